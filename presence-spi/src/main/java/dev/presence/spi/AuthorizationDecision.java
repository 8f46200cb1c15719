package dev.presence.spi;

import org.jspecify.annotations.Nullable;

/**
 * A {@link PresenceAuthorizer}'s answer.
 *
 * @param allowed whether the request may go on
 * @param reason why it was denied, shown to the client with {@code FORBIDDEN}; null when allowed
 * @since 0.1
 */
public record AuthorizationDecision(boolean allowed, @Nullable String reason) {

  private static final AuthorizationDecision ALLOW = new AuthorizationDecision(true, null);

  /**
   * Validates that a denial has a reason.
   *
   * @param allowed whether the request may go on
   * @param reason why it was denied, shown to the client with {@code FORBIDDEN}; null when allowed
   * @throws IllegalArgumentException if denied without a reason, or allowed with one
   */
  public AuthorizationDecision {
    if (allowed == (reason != null)) {
      throw new IllegalArgumentException("a denial needs a reason and an allowance has none");
    }
    if (reason != null && reason.isBlank()) {
      throw new IllegalArgumentException("a denial needs a reason");
    }
  }

  /**
   * Allows the request.
   *
   * @return the decision
   */
  public static AuthorizationDecision allow() {
    return ALLOW;
  }

  /**
   * Denies the request.
   *
   * @param reason a sentence for the client, such as "only members may join this room"
   * @return the decision
   */
  public static AuthorizationDecision deny(String reason) {
    return new AuthorizationDecision(false, reason);
  }
}
