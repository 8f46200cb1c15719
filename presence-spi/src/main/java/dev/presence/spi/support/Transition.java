package dev.presence.spi.support;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link MembershipMachine#apply} made of a channel: the outcome, the events, and the state to
 * store.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @param status {@link MembershipStatus#OK}, or why the command was refused ({@link
 *     MembershipStatus#FULL}, {@link MembershipStatus#NOT_JOINED}); a refused command changed
 *     nothing
 * @param changed whether the state changed and must be stored
 * @param state the state to store if {@code changed}: the state passed in, changed in place, or a
 *     new one for a channel that had none; null if the channel's entry is to be removed (an empty
 *     channel whose retention ended). If not {@code changed}, the state passed in
 * @param events the events, in {@code seq} order
 * @since 0.1
 */
public record Transition(
    MembershipStatus status,
    boolean changed,
    @Nullable Object state,
    List<MembershipEvent> events) {

  /**
   * Copies the events.
   *
   * @param status the status
   * @param changed whether the state changed
   * @param state the state to store
   * @param events the events
   */
  public Transition {
    events = List.copyOf(events);
  }

  /**
   * Whether the command was done (not refused).
   *
   * @return true if {@link #status()} is {@link MembershipStatus#OK}
   */
  public boolean ok() {
    return status == MembershipStatus.OK;
  }
}
