package dev.presence.web.websocket;

import dev.presence.event.PresenceEvent;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code event} message text of recent events, shared by all connections: the engine hands the
 * same event object to every subscriber of a channel, so a fan-out to N observers serializes it
 * once instead of N times.
 *
 * <p>A fixed table of {@value #SLOTS} slots indexed by identity hash; a slot holds the last event
 * that landed there. Lock-free and racy by design: a miss or a lost race only costs a second
 * serialization of the same text.
 */
final class EventTexts {

  static final int SLOTS = 1024;

  private record Entry(PresenceEvent event, String text) {}

  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

  /**
   * The message text of an event.
   *
   * @param event the event
   * @return {@link Messages#event(PresenceEvent)} of it
   */
  String text(PresenceEvent event) {
    int slot = System.identityHashCode(event) & (SLOTS - 1);
    Entry entry = slots.get(slot);
    if (entry != null && entry.event() == event) {
      return entry.text();
    }
    String text = Messages.event(event);
    slots.set(slot, new Entry(event, text));
    return text;
  }
}
