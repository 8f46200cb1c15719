package dev.presence.web.rest;

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
   * The page size of {@code ?limit=}.
   *
   * @param raw the parameter, or null
   * @return 1 to {@value PageRequest#MAX_LIMIT}; {@value PageRequest#MAX_LIMIT} when absent
   * @throws InvalidArgumentException if it is not a whole number in range
   */
  public static int limit(@Nullable String raw) {
    if (raw == null || raw.isBlank()) {
      return PageRequest.MAX_LIMIT;
    }
    String v = raw.trim();
    if (v.length() <= 4 && v.chars().allMatch(Character::isDigit)) {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= PageRequest.MAX_LIMIT) {
        return n;
      }
    }
    throw new InvalidArgumentException(
        "limit must be a whole number from 1 to " + PageRequest.MAX_LIMIT);
  }

  /**
   * A boolean query parameter.
   *
   * @param raw the parameter, or null
   * @param name its name, for the message
   * @param absent the value when absent
   * @return the value
   * @throws InvalidArgumentException if it is neither true nor false
   */
  public static boolean flag(@Nullable String raw, String name, boolean absent) {
    if (raw == null || raw.isBlank()) {
      return absent;
    }
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
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
}
