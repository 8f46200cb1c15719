package dev.presence.web.pubnub;

import dev.presence.ErrorCode;
import dev.presence.PresenceException;
import java.util.List;

/**
 * An error answered in PubNub's shape (PUBNUB.md 1.1): {@code
 * {"status":403,"error":true,"message":"..","service":"Access
 * Manager","payload":{"channels":[..]}}} with the same HTTP status and a JSON content type. Carries
 * no stack trace to the client.
 */
final class PubNubException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String service;
  private final transient List<String> channels;

  PubNubException(int status, String message, String service, List<String> channels) {
    super(message, null, false, false);
    this.status = status;
    this.service = service;
    this.channels = List.copyOf(channels);
  }

  static PubNubException badRequest(String message) {
    return new PubNubException(400, message, "Presence", List.of());
  }

  static PubNubException forbidden(String message, List<String> channels) {
    return new PubNubException(403, message, "Access Manager", channels);
  }

  static PubNubException notFound(String message) {
    return new PubNubException(404, message, "Presence", List.of());
  }

  /**
   * The PubNub form of one of our errors: invalid input, too large, not joined and channel full are
   * 400; unauthenticated and forbidden 403 (PubNub's Access Manager); not present 404; rate limited
   * 429; unavailable 503.
   */
  static PubNubException of(PresenceException e, List<String> channels) {
    ErrorCode code = e.code();
    return switch (code) {
      case UNAUTHENTICATED, FORBIDDEN ->
          new PubNubException(403, e.getMessage(), "Access Manager", channels);
      case NOT_PRESENT -> new PubNubException(404, e.getMessage(), "Presence", List.of());
      case RATE_LIMITED -> new PubNubException(429, e.getMessage(), "Presence", List.of());
      case UNAVAILABLE -> new PubNubException(503, e.getMessage(), "Presence", List.of());
      default -> new PubNubException(400, e.getMessage(), "Presence", List.of());
    };
  }

  int status() {
    return status;
  }

  String service() {
    return service;
  }

  List<String> channels() {
    return channels;
  }
}
