package dev.presence.web.websocket;

import org.jspecify.annotations.Nullable;

/**
 * Assembles one connection's incoming messages from the parts the container delivers, refusing a
 * message as soon as it is over {@code presence.ws.max-frame-bytes}, whatever the container
 * buffers.
 *
 * <p>The endpoint takes partial messages so that the application, not the container, sees a large
 * message while it arrives. Containers deliver a part per frame (Tyrus) or per read (Undertow).
 * With whole-message handlers, Undertow 2.3 buffered a whole frame of any size (10 MB in
 * ConnectionLayerIT) before its own size check ran (UNDERTOW-2770, fixed after 2.3.25) and then
 * closed with its own reason; now the connection is closed with 1009 {@code TOO_LARGE} once the
 * characters received pass the limit (a UTF-8 byte count can only be larger, so this never refuses
 * a message within it; {@link Connection} checks the exact byte size of what it is given).
 *
 * <p>Not thread-safe: containers call a session's message handlers one at a time.
 */
final class MessageParts {

  private final int maxBytes;
  private final StringBuilder pending = new StringBuilder();
  private long binaryBytes;
  private boolean refused;

  /**
   * @param maxBytes the largest message, in bytes
   */
  MessageParts(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Adds a part of a text message.
   *
   * @param part the part
   * @param last whether it ends the message
   * @return the whole message when {@code last}, else null (also for every part once the
   *     connection's input is over the limit: see {@link #refused()})
   */
  @Nullable String text(String part, boolean last) {
    if (refused) {
      return null;
    }
    if (last && pending.length() == 0) {
      return over(part.length()) ? null : part;
    }
    if (over((long) pending.length() + part.length())) {
      pending.setLength(0);
      return null;
    }
    pending.append(part);
    if (!last) {
      return null;
    }
    String whole = pending.toString();
    pending.setLength(0);
    return whole;
  }

  /**
   * Adds a part of a binary message, which the application only counts.
   *
   * @param bytes the part's size
   * @param last whether it ends the message
   * @return true when a whole binary message within the limit has arrived
   */
  boolean binary(int bytes, boolean last) {
    if (refused) {
      return false;
    }
    binaryBytes += bytes;
    if (over(binaryBytes)) {
      return false;
    }
    if (last) {
      binaryBytes = 0;
    }
    return last;
  }

  /** Whether a message was over the limit: the connection is to be closed with 1009. */
  boolean refused() {
    return refused;
  }

  private boolean over(long size) {
    if (size > maxBytes) {
      refused = true;
    }
    return refused;
  }
}
