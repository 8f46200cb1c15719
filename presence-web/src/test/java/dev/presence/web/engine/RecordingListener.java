package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.PresenceListener;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a subscription delivers, and on which threads. */
class RecordingListener implements PresenceListener {

  final List<PresenceEvent> events = new CopyOnWriteArrayList<>();
  final List<String> threads = new CopyOnWriteArrayList<>();
  final AtomicInteger resyncs = new AtomicInteger();

  @Override
  public void onEvent(PresenceEvent event) {
    threads.add(Thread.currentThread().getName());
    events.add(event);
  }

  @Override
  public void onResync(ChannelId channel) {
    threads.add(Thread.currentThread().getName());
    resyncs.incrementAndGet();
  }

  List<EventKind> kinds() {
    return events.stream().map(PresenceEvent::kind).toList();
  }

  List<Long> seqs() {
    return events.stream().map(PresenceEvent::seq).toList();
  }

  List<String> users() {
    return events.stream().map(e -> e.userId().value()).toList();
  }
}
