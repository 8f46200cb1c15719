package dev.presence.spi;

import dev.presence.event.PresenceEvent;

/**
 * Integrator code called for every presence event: webhooks, audit, analytics.
 *
 * <p><b>Discovery.</b> Hooks are CDI beans of this type in the application, and classes listed in
 * {@code META-INF/services/dev.presence.spi.PresenceEventHook} in the application or in a plugin
 * jar of the server's plugins folder ({@code presence.plugins.dir}, after the application's); a
 * class found more than one way is used once. A hook that cannot be created fails the deployment.
 *
 * <p><b>Delivery.</b> Each event is delivered once in the whole cluster (not once per node), in
 * {@code seq} order per channel, on a thread of the hook's own, never on the request path. Events
 * may be lost when a node fails (a gap in {@code seq} shows it). A hook that throws is logged and
 * counted, and gets the next event; a slow hook delays only itself, and when it falls more than a
 * bounded queue behind, the oldest undelivered events are dropped and counted.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PresenceEventHook {

  /**
   * Called for one event.
   *
   * @param event the event
   */
  void onEvent(PresenceEvent event);
}
