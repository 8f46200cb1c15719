package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.DefaultOutOfMemoryHandler;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import dev.presence.spi.PresenceBackend;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the backend reports once Hazelcast's out-of-memory handler has terminated its member: the
 * handler Hazelcast installs by default ({@link DefaultOutOfMemoryHandler}) terminates every member
 * of the JVM when one of its threads catches an {@link OutOfMemoryError} it judges fatal ("GC
 * overhead limit exceeded", or little memory left). In #15 a snapshot read of a very large channel
 * did that, and the node answered 503 until it was restarted, while its liveness check still said
 * UP, so nothing restarted it.
 *
 * <p>The handler is called here as Hazelcast's dispatcher calls it, on this test's member only (the
 * dispatcher would terminate every member of the test JVM).
 */
class OutOfMemoryTest {

  @Test
  @DisplayName(
      "after Hazelcast's out-of-memory handler terminated the member the backend is failed for"
          + " good, not only unavailable")
  void terminatedByTheOutOfMemoryHandler() {
    PresenceBackend backend = new HazelcastPresenceBackendProvider().create(TestCluster.embedded());
    HazelcastInstance member = backend.unwrap(HazelcastInstance.class);
    try {
      assertThat(backend.isAvailable()).isTrue();
      assertThat(backend.isFailed()).isFalse();

      new DefaultOutOfMemoryHandler()
          .onOutOfMemory(
              new OutOfMemoryError("GC overhead limit exceeded"),
              new HazelcastInstance[] {((HazelcastInstanceProxy) member).getOriginal()});

      assertThat(member.getLifecycleService().isRunning()).isFalse();
      assertThat(backend.isAvailable()).isFalse();
      assertThat(backend.isFailed()).isTrue();
    } finally {
      backend.close();
    }
    assertThat(backend.isFailed()).as("closed by the application: not a failure").isFalse();
  }

  @Test
  @DisplayName("a backend closed by the application is neither available nor failed")
  void closedIsNotFailed() {
    PresenceBackend backend = new HazelcastPresenceBackendProvider().create(TestCluster.embedded());
    backend.close();
    assertThat(backend.isAvailable()).isFalse();
    assertThat(backend.isFailed()).isFalse();
  }
}
