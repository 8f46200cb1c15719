package dev.presence.redis.internal;

import dev.presence.ChannelId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.Registration;
import dev.presence.spi.memory.InMemoryPresenceEventBus;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The event bus on Redis pub/sub: one channel ({@code <prefix>events}) carries every batch, in the
 * form of {@link EventCodec}.
 *
 * <p><b>Order.</b> A node publishes on one connection, so Redis relays its batches in publish
 * order, and each node receives on one connection, so a node's listeners see one publisher's
 * batches in that order. Batches of different nodes interleave; receivers order a channel's events
 * by {@code seq}. Pub/sub is at most once: a message published while a node's subscription is down
 * (a reconnect) is lost for that node, which its engine sees as a gap in {@code seq} and resyncs.
 *
 * <p><b>Threads.</b> Received batches are decoded on Lettuce's I/O thread and handed, in arrival
 * order, to an {@link InMemoryPresenceEventBus} of this node, whose one delivery thread calls the
 * listeners one at a time (a listener that throws is logged and the others still get the batch).
 *
 * <p><b>Hooks.</b> {@link #isHookOwner} is rendezvous hashing of the channel over the live nodes of
 * the registry, as this node last read it (every heartbeat): with a stable registry every node
 * computes the same owner.
 */
final class RedisEventBus implements PresenceEventBus {

  private static final Logger LOG = Logger.getLogger(RedisEventBus.class.getName());

  private final StatefulRedisConnection<String, byte[]> publisher;
  private final String topic;
  private final Supplier<String> self;
  private volatile List<String> liveNodes = List.of();
  private final InMemoryPresenceEventBus local = new InMemoryPresenceEventBus();

  RedisEventBus(
      StatefulRedisConnection<String, byte[]> publisher,
      StatefulRedisPubSubConnection<String, byte[]> subscriber,
      String topic,
      Supplier<String> self) {
    this.publisher = publisher;
    this.topic = topic;
    this.self = self;
    subscriber.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, byte[] message) {
            if (topic.equals(channel)) {
              received(message);
            }
          }
        });
    Script.guard(
        () -> {
          subscriber.sync().subscribe(topic);
          return null;
        });
  }

  /**
   * Publishes asynchronously on this node's publishing connection.
   *
   * @throws UnavailableException if the connection is down
   */
  @Override
  public void publish(List<PresenceEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    if (!publisher.isOpen()) {
      throw new UnavailableException("the presence store is unavailable; try again later");
    }
    byte[] batch = EventCodec.encode(events);
    Script.guard(() -> publisher.async().publish(topic, batch));
  }

  /**
   * Publishes the signal on the events channel, on the same connection as the events, so it keeps
   * its place among them.
   *
   * @throws UnavailableException if the connection is down
   */
  @Override
  public void closeConnections(UserId user) {
    if (!publisher.isOpen()) {
      throw new UnavailableException("the presence store is unavailable; try again later");
    }
    byte[] signal = EventCodec.closeSignal(user);
    Script.guard(() -> publisher.async().publish(topic, signal));
  }

  @Override
  public Registration subscribe(Listener listener) {
    return local.subscribe(listener);
  }

  @Override
  public boolean isHookOwner(ChannelId channel) {
    List<String> nodes = liveNodes;
    String me = self.get();
    if (nodes.isEmpty()) {
      return true;
    }
    @Nullable String best = null;
    long bestScore = Long.MIN_VALUE;
    for (String node : nodes) {
      long score = mix(channel.value().hashCode() * 0x9E3779B97F4A7C15L + node.hashCode());
      if (best == null || score > bestScore || (score == bestScore && node.compareTo(best) < 0)) {
        best = node;
        bestScore = score;
      }
    }
    return me.equals(best);
  }

  /** The live nodes as last read from the registry, this node included. */
  void liveNodes(List<String> nodes) {
    liveNodes = List.copyOf(nodes);
  }

  void close() {
    local.close();
  }

  private void received(byte[] message) {
    List<PresenceEvent> events;
    try {
      UserId close = EventCodec.closeSignalUser(message);
      if (close != null) {
        try {
          local.closeConnections(close);
        } catch (UnavailableException e) {
          // closed
        }
        return;
      }
      events = EventCodec.decode(message);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "an event batch on " + topic + " could not be read; skipped", e);
      return;
    }
    try {
      local.publish(events);
    } catch (UnavailableException e) {
      // closed
    }
  }

  /** A 64-bit finalizer (SplitMix64), so that similar names spread. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
