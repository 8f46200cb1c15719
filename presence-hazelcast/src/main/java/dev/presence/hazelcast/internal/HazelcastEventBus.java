package dev.presence.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import com.hazelcast.topic.ITopic;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.Registration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PresenceEventBus} on a Hazelcast {@link ITopic} of {@code byte[]} messages (see {@link
 * Codec#message}), one message per {@link #publish} call.
 *
 * <p>The topic has global ordering off and multi-threading off: a member publishes its messages in
 * order over one connection per member, and each member dispatches a topic's messages on one event
 * thread, so messages of one publisher arrive in publishing order and each listener is called one
 * message at a time. Delivery is at most once: a message in flight when a member dies is lost, as
 * the SPI allows.
 *
 * <p>Hook ownership: on a member, the member that owns the partition of the channel's key (the same
 * member that runs the channel's entry processors); during a migration two members may both answer
 * true, or none. A client owns no partition: client nodes share the channels among themselves by
 * rendezvous hashing over the live client nodes ({@link ClientNodes}). A lite member owns no
 * partition either and always answers true (see the module README).
 */
final class HazelcastEventBus implements PresenceEventBus {

  private static final Logger LOG = Logger.getLogger(HazelcastEventBus.class.getName());

  private final HazelcastInstance hz;
  private final ITopic<byte[]> topic;
  private final @Nullable Predicate<String> ownership;
  private final Set<UUID> registrations = ConcurrentHashMap.newKeySet();

  /**
   * Creates the bus.
   *
   * @param hz the instance
   * @param topic the topic
   * @param ownership decides hook ownership by channel name; null for a member: a data member owns
   *     the channels whose partitions it owns, a lite member (asked each time, since it may be
   *     promoted) owns none: the data members run the hooks, so that no hook runs twice
   */
  HazelcastEventBus(
      HazelcastInstance hz, ITopic<byte[]> topic, @Nullable Predicate<String> ownership) {
    this.hz = hz;
    this.topic = topic;
    this.ownership = ownership;
  }

  @Override
  public void publish(List<PresenceEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    send(Codec.message(events));
  }

  private void send(byte[] message) {
    Guard.run(
        () -> {
          // A shut-down member's topic drops messages silently: say so instead.
          if (!hz.getLifecycleService().isRunning()) {
            throw new IllegalStateException("the Hazelcast instance is not running");
          }
          topic.publish(message);
        });
  }

  /**
   * Publishes the signal on the events topic, so it keeps its place among this node's events.
   *
   * @throws dev.presence.UnavailableException if Hazelcast cannot be reached
   */
  @Override
  public void closeConnections(UserId user) {
    send(Codec.closeSignal(user));
  }

  @Override
  public Registration subscribe(Listener listener) {
    UUID id =
        Guard.call(() -> topic.addMessageListener(m -> deliver(listener, m.getMessageObject())));
    registrations.add(id);
    return () -> remove(id);
  }

  private static void deliver(Listener listener, byte[] message) {
    List<PresenceEvent> events;
    try {
      UserId close = Codec.closeSignalUser(message);
      if (close != null) {
        closeSignal(listener, close);
        return;
      }
      events = Codec.events(message);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "dropped an unreadable presence event message", e);
      return;
    }
    if (events.isEmpty()) {
      return;
    }
    try {
      listener.onEvents(events);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a presence event listener failed", e);
    }
  }

  private static void closeSignal(Listener listener, UserId user) {
    try {
      listener.onCloseConnections(user);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a presence event listener failed on a close signal", e);
    }
  }

  private void remove(UUID id) {
    if (registrations.remove(id)) {
      try {
        topic.removeMessageListener(id);
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "could not remove a topic listener (instance down?)", e);
      }
    }
  }

  @Override
  public boolean isHookOwner(ChannelId channel) {
    if (ownership != null) {
      return ownership.test(channel.value());
    }
    try {
      if (hz.getCluster().getLocalMember().isLiteMember()) {
        return false; // no partition here (until promoted): a data member runs the hooks
      }
      Partition partition = hz.getPartitionService().getPartition(channel.value());
      Member owner = partition.getOwner();
      return owner != null && owner.localMember();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Removes every listener this bus registered. */
  void close() {
    for (UUID id : List.copyOf(registrations)) {
      remove(id);
    }
  }
}
