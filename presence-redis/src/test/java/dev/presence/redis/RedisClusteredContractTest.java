package dev.presence.redis;

import dev.presence.redis.internal.RedisPresenceBackend;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.ClusteredBackendContract;
import org.junit.jupiter.api.AfterAll;

/**
 * The clustered contract: every member a backend of its own (own connections, own node id) on one
 * redis-server, sharing one key prefix. A member is killed by {@link RedisPresenceBackend#crash()}:
 * its heartbeat stops and its connections close without leaving the registry. A member is cut off
 * by freezing its heartbeat.
 */
class RedisClusteredContractTest extends ClusteredBackendContract {

  private final RedisServer server = RedisServer.start();
  private final RedisServer.Context context = server.context();

  @Override
  protected PresenceBackend startMember() {
    return server.backend(context);
  }

  @Override
  protected void kill(PresenceBackend member) {
    member.unwrap(RedisPresenceBackend.class).crash();
  }

  /** Freezes the member's heartbeat: to the others it is a frozen node. */
  @Override
  protected boolean isolate(PresenceBackend member) {
    member.unwrap(RedisPresenceBackend.class).freezeHeartbeat(true);
    return true;
  }

  @Override
  protected void reconnect(PresenceBackend member) {
    member.unwrap(RedisPresenceBackend.class).freezeHeartbeat(false);
  }

  @AfterAll
  void stopServer() {
    server.close();
  }
}
