package dev.presence.hazelcast.internal;

import com.hazelcast.core.HazelcastException;
import dev.presence.PresenceException;
import dev.presence.UnavailableException;
import java.util.function.Supplier;

/**
 * Maps Hazelcast's failures (unreachable members, timeouts, a shut-down instance) to {@link
 * UnavailableException}, whose message a client may see; the cause stays for the logs.
 */
final class Guard {

  static final String MESSAGE = "the presence store is unavailable; try again later";

  private Guard() {}

  static <T> T call(Supplier<T> action) {
    try {
      return action.get();
    } catch (PresenceException e) {
      throw e;
    } catch (HazelcastException | IllegalStateException e) {
      // HazelcastInstanceNotActiveException and the client's offline/not-active exceptions are
      // IllegalStateExceptions; timeouts, lost members and the rest are HazelcastExceptions.
      throw new UnavailableException(MESSAGE, e);
    }
  }

  static void run(Runnable action) {
    call(
        () -> {
          action.run();
          return null;
        });
  }
}
