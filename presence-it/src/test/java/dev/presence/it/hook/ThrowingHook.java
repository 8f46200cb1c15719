package dev.presence.it.hook;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * An event hook that {@code HookIT} deploys in the presence WAR as a CDI bean only: it throws for
 * every event, which the engine must log, count ({@code presence_hook_failures_total}) and survive.
 */
@ApplicationScoped
public class ThrowingHook implements PresenceEventHook {

  /** Public no-argument constructor, for CDI. */
  public ThrowingHook() {}

  @Override
  public void onEvent(PresenceEvent event) {
    throw new IllegalStateException(
        "ThrowingHook fails on purpose for " + event.channel() + " seq " + event.seq());
  }
}
