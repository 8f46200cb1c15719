package dev.presence.hazelcast;

import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.PresenceEventBusContract;
import org.junit.jupiter.api.AfterAll;

/** The event bus contract on one embedded member, shared by all tests of the class. */
class HazelcastPresenceEventBusContractTest extends PresenceEventBusContract {

  private static PresenceBackend shared;

  @Override
  protected PresenceBackend createBackend() {
    synchronized (HazelcastPresenceEventBusContractTest.class) {
      if (shared == null) {
        shared = new HazelcastPresenceBackendProvider().create(TestCluster.embedded());
      }
      return shared;
    }
  }

  @Override
  protected void releaseBackend(PresenceBackend backend) {
    // kept for the next test; closed after the last one
  }

  @AfterAll
  static void closeShared() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }
}
