package dev.presence.web.ops;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A log for what clients get wrong: at most one short line per interval, with the number of lines
 * left out since the previous one, and never a stack trace. A client that sends bad input as fast
 * as it can therefore costs the log one line of at most {@value #MAX_LINE} characters every {@link
 * #INTERVAL}, however many requests it sends (issue #10: a 40-byte request used to cost a 6.5 KB
 * stack trace). Server faults are logged elsewhere, with their stack trace.
 *
 * <p>One shared instance, {@link #clientErrors()}, serves REST and WebSocket, so together they stay
 * within the budget. Lines go to the logger {@value #LOGGER} at {@code INFO}; set it to {@code
 * WARNING} to silence them. Control characters in a line are replaced with {@code ?}, so client
 * text cannot forge log lines.
 *
 * <p>Thread-safe and lock-free.
 */
public final class RateLimitedLog {

  /** The shortest time between two lines. */
  public static final Duration INTERVAL = Duration.ofSeconds(10);

  /** The longest line, in characters, before the count of lines left out. */
  public static final int MAX_LINE = 200;

  /** The name of the logger of {@link #clientErrors()}. */
  public static final String LOGGER = "dev.presence.web.client-errors";

  private static final RateLimitedLog CLIENT_ERRORS =
      new RateLimitedLog(Logger.getLogger(LOGGER), INTERVAL, System::nanoTime);

  private final Logger logger;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextNanos;
  private final AtomicLong suppressed = new AtomicLong();

  /**
   * Creates a log.
   *
   * @param logger where lines go
   * @param interval the shortest time between two lines
   * @param nanoClock {@link System#nanoTime()} or a test clock
   */
  public RateLimitedLog(Logger logger, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.nextNanos = new AtomicLong(nanoClock.getAsLong());
  }

  /**
   * The shared log of refused client input.
   *
   * @return the log
   */
  public static RateLimitedLog clientErrors() {
    return CLIENT_ERRORS;
  }

  /**
   * Logs one line, unless a line was logged less than an interval ago (then it is only counted).
   *
   * @param what what was refused and why, such as {@code "REST 400 INVALID_ARGUMENT: limit must be
   *     ..."}; cut to {@value #MAX_LINE} characters
   * @return whether the line was logged
   */
  public boolean log(String what) {
    if (!logger.isLoggable(Level.INFO)) {
      return false;
    }
    long now = nanoClock.getAsLong();
    long due = nextNanos.get();
    if (now - due < 0 || !nextNanos.compareAndSet(due, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return false;
    }
    long left = suppressed.getAndSet(0);
    logger.info(
        "refused client input: "
            + clean(what)
            + (left == 0 ? "" : " (and " + left + " more since the previous line)"));
    return true;
  }

  /**
   * The text cut to {@value #MAX_LINE} characters, control characters replaced with {@code ?}.
   *
   * @param what the text
   * @return the cleaned text
   */
  static String clean(String what) {
    int n = Math.min(what.length(), MAX_LINE);
    StringBuilder sb = new StringBuilder(n + 3);
    for (int i = 0; i < n; i++) {
      char c = what.charAt(i);
      sb.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    if (what.length() > MAX_LINE) {
      sb.append("...");
    }
    return sb.toString();
  }
}
