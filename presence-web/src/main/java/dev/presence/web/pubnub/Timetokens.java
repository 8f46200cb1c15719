package dev.presence.web.pubnub;

import java.util.concurrent.atomic.AtomicLong;

/**
 * PubNub timetokens: epoch milliseconds times 10<sup>4</sup> plus a counter, strictly increasing on
 * this node (PUBNUB.md 1.3). Thread-safe.
 */
final class Timetokens {

  private static final AtomicLong LAST = new AtomicLong();

  private Timetokens() {}

  /**
   * A timetoken greater than every one handed out before on this node.
   *
   * @return the timetoken
   */
  static long next() {
    long now = System.currentTimeMillis() * 10_000L;
    return LAST.accumulateAndGet(now, (last, n) -> Math.max(last + 1, n));
  }

  /**
   * Reads a client's {@code tt}: absent or {@code 0} is a handshake (0); otherwise 1 to 19 ASCII
   * digits within a {@code long}.
   *
   * @param raw the parameter, or null
   * @return the timetoken, 0 for a handshake
   * @throws PubNubException 400 if it is not a timetoken
   */
  static long parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      return 0;
    }
    if (raw.length() > 19) {
      throw PubNubException.badRequest("tt must be a timetoken of at most 19 digits");
    }
    for (int i = 0; i < raw.length(); i++) {
      char ch = raw.charAt(i);
      if (ch < '0' || ch > '9') {
        throw PubNubException.badRequest("tt must be a timetoken (digits only)");
      }
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw PubNubException.badRequest("tt is out of range");
    }
  }
}
