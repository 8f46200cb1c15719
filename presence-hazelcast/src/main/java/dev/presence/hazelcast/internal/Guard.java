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

  /** How often a request the target member could not read is sent again. */
  static final int UNREADABLE_RETRIES = 4;

  static <T> T call(Supplier<T> action) {
    for (int attempt = 1; ; attempt++) {
      try {
        return once(action);
      } catch (UnavailableException e) {
        if (attempt > UNREADABLE_RETRIES || !unreadable(e.getCause())) {
          throw e;
        }
        pause(25L << attempt);
      }
    }
  }

  /**
   * Whether a failure says that the target member could not read the request, so that it did not
   * run and may be sent again: inside Payara, an operation that Hazelcast itself retries (a
   * partition was migrating) is serialized again on a Hazelcast thread without the application's
   * context, and the target cannot load the application's classes for it (a {@code
   * ClassNotFoundException}, or a null processor). Sent again from the caller's thread, which has
   * the context, it is read.
   */
  static boolean unreadable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ClassNotFoundException) {
        return true;
      }
      if (t instanceof NullPointerException
          && t.getMessage() != null
          && t.getMessage().contains("entryProcessor")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(MESSAGE, e);
    }
  }

  private static <T> T once(Supplier<T> action) {
    try {
      return action.get();
    } catch (NullPointerException e) {
      if (unreadable(e)) {
        throw new UnavailableException(MESSAGE, e);
      }
      throw e;
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
