package dev.presence.web.http;

import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PageRequest;
import dev.presence.PresenceLimits;
import dev.presence.UserId;
import dev.presence.spi.Caller;
import dev.presence.web.auth.TokenVerifier;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reading what a request says: the caller, ids from the path, query parameters. Every malformed
 * value is an {@link InvalidArgumentException} (400) naming the parameter.
 */
public final class Requests {

  private Requests() {}

  /**
   * The caller of a request.
   *
   * @param verifier the token verifier
   * @param authorization the {@code Authorization} header, or null
   * @param accessToken the {@code access_token} query parameter, or null (for clients that cannot
   *     set headers, such as a browser's EventSource); used only without the header
   * @return the caller
   * @throws dev.presence.UnauthenticatedException if there is no valid token
   */
  public static Caller authenticate(
      TokenVerifier verifier, @Nullable String authorization, @Nullable String accessToken) {
    String token = TokenVerifier.bearerToken(authorization);
    if (token == null && accessToken != null && !accessToken.isBlank()) {
      token = accessToken.trim();
    }
    return verifier.verify(token);
  }

  /**
   * A channel id from the path, checked against the limits.
   *
   * @param raw the decoded path segment
   * @param limits the limits
   * @return the channel
   * @throws InvalidArgumentException if it is not a valid channel name
   */
  public static ChannelId channel(String raw, PresenceLimits limits) {
    return limits.check(ChannelId.of(raw));
  }

  /**
   * A user id from the path, checked against the limits.
   *
   * @param raw the decoded path segment
   * @param limits the limits
   * @return the user
   * @throws InvalidArgumentException if it is not a valid user id
   */
  public static UserId user(String raw, PresenceLimits limits) {
    return limits.check(UserId.of(raw));
  }

  /**
   * The page size of {@code ?limit=}: 1 to 4 ASCII digits, nothing else (no sign, no spaces or
   * control characters, no exponent).
   *
   * @param raw the parameter, or null
   * @return 1 to {@value PageRequest#MAX_LIMIT}; {@value PageRequest#MAX_LIMIT} when absent or
   *     empty
   * @throws InvalidArgumentException if it is not a whole number in range
   */
  public static int limit(@Nullable String raw) {
    if (raw == null || raw.isEmpty()) {
      return PageRequest.MAX_LIMIT;
    }
    if (raw.length() <= 4 && raw.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= PageRequest.MAX_LIMIT) {
        return n;
      }
    }
    throw new InvalidArgumentException(
        "limit must be a whole number from 1 to " + PageRequest.MAX_LIMIT);
  }

  /**
   * A boolean query parameter: {@code true} or {@code false} in any case, nothing else (no spaces
   * or control characters around it).
   *
   * @param raw the parameter, or null
   * @param name its name, for the message
   * @param absent the value when absent or empty
   * @return the value
   * @throws InvalidArgumentException if it is neither true nor false
   */
  public static boolean flag(@Nullable String raw, String name, boolean absent) {
    if (raw == null || raw.isEmpty()) {
      return absent;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidArgumentException(name + " must be true or false");
    };
  }

  /**
   * The cursor of {@code ?cursor=}.
   *
   * @param raw the parameter, or null
   * @return the cursor, or null for the first page
   */
  public static @Nullable String cursor(@Nullable String raw) {
    return raw == null || raw.isEmpty() ? null : raw;
  }

  /**
   * Refuses a path with matrix parameters (SPEC 13.1): {@code /channels/semi;x=1/users/u} would
   * otherwise act on channel {@code semi}, the parameters silently dropped. An encoded semicolon
   * ({@code %3B}) is part of a value and is left to the id rules.
   *
   * @param rawPath the request path as sent (not decoded)
   * @throws InvalidArgumentException if it holds a {@code ;}
   */
  public static void noMatrixParameters(String rawPath) {
    if (rawPath.indexOf(';') >= 0) {
      throw new InvalidArgumentException(
          "matrix parameters (';' in the path) are not accepted; percent-encode a ';' that is part"
              + " of a name (it is refused in ids all the same)");
    }
  }

  /**
   * Refuses a request body that is not declared as JSON (SPEC 13.1): the {@code Content-Type} must
   * be {@code application/json} (in any case), with no {@code charset} or {@code charset=UTF-8};
   * other parameters are ignored. A missing {@code Content-Type} is refused too.
   *
   * @param contentType the {@code Content-Type} header, or null
   * @throws UnsupportedMediaTypeException (415) otherwise
   */
  public static void requireJson(@Nullable String contentType) {
    if (contentType != null && isJson(contentType)) {
      return;
    }
    throw new UnsupportedMediaTypeException(
        "the request body must be JSON sent with Content-Type: application/json (charset UTF-8,"
            + " if any)");
  }

  private static boolean isJson(String contentType) {
    String[] parts = contentType.split(";", -1);
    if (!parts[0].strip().equalsIgnoreCase("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].strip();
      int eq = p.indexOf('=');
      String name = (eq < 0 ? p : p.substring(0, eq)).strip();
      if (name.equalsIgnoreCase("charset")) {
        String value = eq < 0 ? "" : p.substring(eq + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        if (!value.equalsIgnoreCase("utf-8")) {
          return false;
        }
      }
    }
    return true;
  }
}
