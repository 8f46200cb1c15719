package dev.presence.web.engine;

import dev.presence.event.EventKind;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of one engine's counters, taken by {@link PresenceEngine#metrics()}. Everything is
 * about this node only; the counters grow from the engine's creation and never reset.
 *
 * @param localSessions connection-bound sessions open on this node
 * @param localSubscriptions subscriptions open on this node
 * @param eventsByKind events produced on this node (by calls to it and by its liveness ticker), by
 *     kind; every kind is present
 * @param hookFailures calls of event hooks that threw
 * @param hookDrops events dropped because a hook's queue was full
 * @param resyncs times a subscriber was told to resync (a gap in the event sequence it could not be
 *     served across, or a listener that fell too far behind)
 * @param sequenceGaps gaps in a channel's received event sequence that were not filled within the
 *     reorder window and were skipped
 */
public record EngineMetrics(
    int localSessions,
    int localSubscriptions,
    Map<EventKind, Long> eventsByKind,
    long hookFailures,
    long hookDrops,
    long resyncs,
    long sequenceGaps) {

  /**
   * Copies the map, filling in kinds that are missing with 0.
   *
   * @param localSessions connection-bound sessions open on this node
   * @param localSubscriptions subscriptions open on this node
   * @param eventsByKind events produced on this node, by kind
   * @param hookFailures calls of event hooks that threw
   * @param hookDrops events dropped because a hook's queue was full
   * @param resyncs times a subscriber was told to resync
   * @param sequenceGaps gaps in a received event sequence that were skipped
   */
  public EngineMetrics {
    EnumMap<EventKind, Long> all = new EnumMap<>(EventKind.class);
    for (EventKind kind : EventKind.values()) {
      all.put(kind, eventsByKind.getOrDefault(kind, 0L));
    }
    eventsByKind = Map.copyOf(all);
  }

  /**
   * Events of one kind produced on this node.
   *
   * @param kind the kind
   * @return the count
   */
  public long events(EventKind kind) {
    return eventsByKind.get(kind);
  }
}
