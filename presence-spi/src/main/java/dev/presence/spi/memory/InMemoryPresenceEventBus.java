package dev.presence.spi.memory;

import dev.presence.ChannelId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.Registration;
import dev.presence.spi.support.NamedThreads;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An event bus for one node: {@link #publish} hands the events to a single delivery thread, which
 * calls every subscribed listener with them, in publish order.
 *
 * <p>Because there is one delivery thread, events reach each listener in exactly the order of the
 * {@code publish} calls (as those calls are ordered in this process), one call at a time, and a
 * listener that blocks delays every listener. A listener that throws is logged and skipped; the
 * others still get the events. A registration closed before a delivery starts is not called by it.
 * This node owns every channel's hooks.
 *
 * @since 0.1
 */
public final class InMemoryPresenceEventBus implements PresenceEventBus, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(InMemoryPresenceEventBus.class.getName());

  private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ExecutorService delivery =
      Executors.newSingleThreadExecutor(NamedThreads.daemon("presence-memory-events"));

  /** Creates a bus with its own delivery thread; {@link #close()} stops it. */
  public InMemoryPresenceEventBus() {}

  /**
   * Queues the events for delivery to every listener.
   *
   * @param events the events, in the order to deliver them; an empty list is ignored
   * @throws UnavailableException if the bus is closed
   */
  @Override
  public void publish(List<PresenceEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<PresenceEvent> copy = List.copyOf(events);
    submit(() -> deliver(copy));
  }

  private void submit(Runnable delivering) {
    try {
      delivery.execute(delivering);
    } catch (RejectedExecutionException e) {
      throw new UnavailableException("the presence event bus is closed", e);
    }
  }

  private void deliver(List<PresenceEvent> events) {
    for (Subscriber subscriber : subscribers) {
      if (!subscriber.active) {
        continue;
      }
      try {
        subscriber.listener.onEvents(events);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a presence event listener failed; it gets the next events", e);
      }
    }
  }

  /**
   * Queues the signal for delivery to every listener's {@link Listener#onCloseConnections}, in
   * order with the events published before and after it.
   *
   * @param user the user
   * @throws UnavailableException if the bus is closed
   */
  @Override
  public void closeConnections(UserId user) {
    submit(() -> deliverClose(user));
  }

  private void deliverClose(UserId user) {
    for (Subscriber subscriber : subscribers) {
      if (!subscriber.active) {
        continue;
      }
      try {
        subscriber.listener.onCloseConnections(user);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a presence event listener failed on a close signal", e);
      }
    }
  }

  @Override
  public Registration subscribe(Listener listener) {
    Subscriber subscriber = new Subscriber(listener);
    subscribers.add(subscriber);
    return () -> {
      subscriber.active = false;
      subscribers.remove(subscriber);
    };
  }

  /**
   * Always true: the only node owns every channel.
   *
   * @param channel the channel
   * @return true
   */
  @Override
  public boolean isHookOwner(ChannelId channel) {
    return true;
  }

  /**
   * Stops accepting events; those already published are still delivered, then the delivery thread
   * ends. Idempotent.
   */
  @Override
  public void close() {
    delivery.shutdown();
  }

  private static final class Subscriber {
    final Listener listener;
    volatile boolean active = true;

    Subscriber(Listener listener) {
      this.listener = listener;
    }
  }
}
