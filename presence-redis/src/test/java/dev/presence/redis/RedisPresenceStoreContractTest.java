package dev.presence.redis;

import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.PresenceStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on one backend, shared by all tests of the class, on a redis-server of its
 * own.
 */
class RedisPresenceStoreContractTest extends PresenceStoreContract {

  private static RedisServer server;
  private static PresenceBackend shared;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
    shared = server.backend(server.context());
  }

  @AfterAll
  static void stop() {
    shared.close();
    server.close();
  }

  @Override
  protected PresenceBackend createBackend() {
    return shared;
  }

  @Override
  protected void releaseBackend(PresenceBackend backend) {
    // kept for the next test; closed after the last one
  }
}
