package dev.presence.hazelcast;

import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.tck.PresenceBackendContract;

/** The backend contract; each backend is an embedded member in a cluster of its own. */
class HazelcastPresenceBackendContractTest extends PresenceBackendContract {

  @Override
  protected PresenceBackendProvider provider() {
    return new HazelcastPresenceBackendProvider();
  }

  @Override
  protected PresenceBackend createBackend() {
    return provider().create(TestCluster.embedded());
  }
}
