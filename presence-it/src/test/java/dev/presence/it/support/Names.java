package dev.presence.it.support;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique channel and user names, so that tests sharing one server never see each other's users,
 * events or rate limits.
 */
public final class Names {

  private static final String RUN =
      Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36)
          .toLowerCase(Locale.ROOT);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private Names() {}

  /** {@code prefix-<run>-<n>}: valid as a channel name and as a user id. */
  public static String unique(String prefix) {
    return prefix + "-" + RUN + "-" + COUNTER.incrementAndGet();
  }
}
