package dev.presence.web.config;

import dev.presence.spi.support.ConfigDurations;
import java.time.Duration;

/**
 * Durations as configuration writes them: parsed by the one parser of the project, {@link
 * ConfigDurations} (a whole number with a unit: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h},
 * {@code 1d}; ISO-8601 such as {@code PT10S}; or {@code 0}), and formatted back.
 */
public final class Durations {

  private Durations() {}

  /**
   * Parses a duration ({@link ConfigDurations#parse}).
   *
   * @param text the text
   * @return the duration, never negative
   * @throws IllegalArgumentException if the text is not a duration, or is negative
   */
  public static Duration parse(String text) {
    return ConfigDurations.parse(text);
  }

  /**
   * Formats a duration the way configuration writes it: the largest unit that is exact.
   *
   * @param d the duration
   * @return such as {@code 500ms}, {@code 10s}, {@code 2m} or {@code 1h}
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
