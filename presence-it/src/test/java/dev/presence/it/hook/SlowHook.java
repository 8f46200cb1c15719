package dev.presence.it.hook;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;

/**
 * An event hook that {@code HookIT} deploys in the presence WAR through {@code
 * META-INF/services/dev.presence.spi.PresenceEventHook} only (no bean-defining annotation, so CDI
 * ignores it): it takes {@value #DELAY_MILLIS} ms per event, so it falls behind, its bounded queue
 * overflows ({@code presence_hook_drops_total}), and the other hooks must not notice.
 */
public class SlowHook implements PresenceEventHook {

  /** How long each event takes. */
  public static final long DELAY_MILLIS = 1000;

  /** Public no-argument constructor, for ServiceLoader. */
  public SlowHook() {}

  @Override
  public void onEvent(PresenceEvent event) {
    try {
      Thread.sleep(DELAY_MILLIS); // the hook's own slowness under test, not a wait for something
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
