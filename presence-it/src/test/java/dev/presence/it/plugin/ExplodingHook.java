package dev.presence.it.plugin;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;

/**
 * An event hook whose constructor throws: {@code PluginsIT} puts it, alone, into a plugin jar it
 * builds ({@link PluginJar}); loading that jar must fail the deployment with the jar named.
 */
public class ExplodingHook implements PresenceEventHook {

  /** What the constructor throws. */
  public static final String MESSAGE = "ExplodingHook refuses to load, on purpose";

  /**
   * Throws, always.
   *
   * @throws IllegalStateException always
   */
  public ExplodingHook() {
    throw new IllegalStateException(MESSAGE);
  }

  @Override
  public void onEvent(PresenceEvent event) {
    throw new AssertionError("never created");
  }
}
