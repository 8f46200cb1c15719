package dev.presence.redis;

import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.BackendOutageContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The outage contract: the test's redis-server is killed with SIGKILL and started again on the same
 * port; it writes every change to its append-only file before answering, so it comes back with the
 * data it had.
 */
class RedisOutageContractTest extends BackendOutageContract {

  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.startDurable();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Override
  protected PresenceBackend createBackend() {
    return server.backend(server.context());
  }

  @Override
  protected void cutOff() {
    server.kill();
  }

  @Override
  protected void restore() {
    server.restart();
  }
}
