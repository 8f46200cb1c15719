package dev.presence.spi.support;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one way backends read a duration from configuration: {@code 500ms}, {@code 10s}, {@code 2m},
 * {@code 1h}, {@code 1d} (a whole number and a unit, case and surrounding blanks ignored) or
 * ISO-8601 ({@code PT10S}), as the server reads its own keys.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public final class Durations {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @param value the text
   * @return the duration, or null if the text is neither form
   */
  public static @Nullable Duration parse(String value) {
    Matcher m = SIMPLE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Reads a configured duration.
   *
   * @param key the configuration key, for the error message
   * @param value the configured text, or empty if unset
   * @param fallback the default
   * @return the duration, or {@code fallback} if {@code value} is empty
   * @throws IllegalStateException if the text is not a duration or is negative, naming the key
   */
  public static Duration config(String key, String value, Duration fallback) {
    if (value.isBlank()) {
      return fallback;
    }
    Duration parsed = parse(value);
    if (parsed == null || parsed.isNegative()) {
      throw new IllegalStateException(
          key + " must be a duration such as 500ms, 10s, 2m, 1h or PT10S, not '" + value + "'");
    }
    return parsed;
  }
}
