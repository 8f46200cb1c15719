package dev.presence.hazelcast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastException;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import dev.presence.UnavailableException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Guard: Hazelcast failures, and requests the target could not read")
class GuardTest {

  static HazelcastSerializationException unreadable() {
    return new HazelcastSerializationException(
        new ClassNotFoundException("dev.presence.hazelcast.internal.ChannelProcessors$Join"));
  }

  @Test
  @DisplayName("a request the target could not read is sent again, and then succeeds")
  void unreadableIsRetried() {
    AtomicInteger calls = new AtomicInteger();
    String result =
        Guard.call(
            () -> {
              if (calls.incrementAndGet() < 3) {
                throw unreadable();
              }
              return "ok";
            });
    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(3);
  }

  @Test
  @DisplayName("a null processor on the target counts as unreadable too")
  void nullProcessorIsRetried() {
    AtomicInteger calls = new AtomicInteger();
    Guard.run(
        () -> {
          if (calls.incrementAndGet() == 1) {
            throw new NullPointerException("Cannot invoke because \"this.entryProcessor\" is null");
          }
        });
    assertThat(calls).hasValue(2);
  }

  @Test
  @DisplayName("retries are bounded; then the store is unavailable")
  void retriesAreBounded() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Guard.run(
                    () -> {
                      calls.incrementAndGet();
                      throw unreadable();
                    }))
        .isInstanceOf(UnavailableException.class);
    assertThat(calls).hasValue(Guard.UNREADABLE_RETRIES + 1);
  }

  @Test
  @DisplayName("other failures are not retried")
  void otherFailuresAreNotRetried() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Guard.run(
                    () -> {
                      calls.incrementAndGet();
                      throw new HazelcastException("member left");
                    }))
        .isInstanceOf(UnavailableException.class);
    assertThat(calls).hasValue(1);
    assertThatThrownBy(
            () ->
                Guard.run(
                    () -> {
                      throw new NullPointerException("a bug");
                    }))
        .isInstanceOf(NullPointerException.class);
  }
}
