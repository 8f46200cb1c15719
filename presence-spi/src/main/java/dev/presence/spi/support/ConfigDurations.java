package dev.presence.spi.support;

import dev.presence.Attributes;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser of durations written in configuration (SPEC 9), used by the server for its own
 * keys ({@code presence.timeout}, ...) and by backends for theirs ({@code presence.hazelcast.*}).
 *
 * <p>The syntax, ignoring case and white space around the value:
 *
 * <ul>
 *   <li>a whole number of ASCII digits and a unit, with optional white space between them: {@code
 *       ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 500ms}, {@code 10s}, {@code 2m},
 *       {@code 1h}, {@code 1d}, {@code 10 S});
 *   <li>ISO-8601 as {@link Duration#parse} reads it ({@code PT10S}, {@code pt1m30s}, {@code P1D},
 *       {@code PT0.5S});
 *   <li>{@code 0} (zero needs no unit).
 * </ul>
 *
 * <p>Negative durations, numbers without a unit, fractions outside ISO-8601, other units and values
 * too large for a {@link Duration} are refused. This is the union of what the server's and the
 * Hazelcast backend's parsers accepted before they became this one, so no configuration that worked
 * stops working.
 *
 * @since 0.1
 */
public final class ConfigDurations {

  private static final Pattern SIMPLE =
      Pattern.compile("([0-9]+)[ \\t\\n\\x0B\\f\\r]*(ms|s|m|h|d)");

  /** How much of a refused value an error message quotes. */
  private static final int QUOTE_LENGTH = 64;

  private ConfigDurations() {}

  /**
   * Parses a duration written as described in the class comment.
   *
   * @param text the text
   * @return the duration, never negative
   * @throws IllegalArgumentException if the text is not such a duration; the message quotes it (cut
   *     at 64 code points; text that is not valid Unicode is not quoted)
   */
  public static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      return simple(text, m.group(1), m.group(2));
    }
    Duration d;
    try {
      d = Duration.parse(t.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw refused(text, "is not a duration; write for example 500ms, 10s, 2m, 1h or PT10S");
    }
    if (d.isNegative()) {
      throw refused(text, "is negative");
    }
    return d;
  }

  /**
   * Reads a backend's configured duration.
   *
   * @param key the configuration key, for the error message
   * @param value the configured text, or empty (or blank) if unset
   * @param fallback the default
   * @return the duration, or {@code fallback} if {@code value} is blank
   * @throws IllegalStateException if the text is not a duration as {@link #parse} reads it; the
   *     message names the key and says why
   */
  public static Duration config(String key, String value, Duration fallback) {
    if (value.isBlank()) {
      return fallback;
    }
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          key + " must be a duration such as 500ms, 10s, 2m, 1h or PT10S: " + e.getMessage(), e);
    }
  }

  private static Duration simple(String text, String digits, String unit) {
    long n = 0;
    try {
      for (int i = 0; i < digits.length(); i++) {
        n = Math.addExact(Math.multiplyExact(n, 10), digits.charAt(i) - '0');
      }
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } catch (ArithmeticException e) {
      throw refused(text, "is too large for a duration");
    }
  }

  private static IllegalArgumentException refused(String text, String why) {
    return new IllegalArgumentException(quote(text) + " " + why);
  }

  private static String quote(String text) {
    if (!Attributes.isValidText(text)) {
      return "the value (not valid Unicode text)";
    }
    if (text.codePointCount(0, text.length()) <= QUOTE_LENGTH) {
      return "'" + text + "'";
    }
    String head = text.substring(0, text.offsetByCodePoints(0, QUOTE_LENGTH));
    return "'" + head + "...' (" + text.length() + " characters)";
  }
}
