package dev.presence.web.websocket;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The ping-acknowledged send window of one connection: how much may be sent that the client has not
 * yet been proven to have read.
 *
 * <p>A completed send only means the container took the frame: the container buffers what the
 * socket cannot take yet (Grizzly, under Payara, buffered over 10 MB for a client that did not
 * read), so completions alone do not bound memory or reveal a slow client. So every {@code window /
 * 4} characters sent (and at every liveness ping) the connection sends a WebSocket ping whose
 * payload is a random 8-byte mark; the client's pong echoes it (RFC 6455 requires the echo;
 * browsers and WebSocket libraries do it by themselves), which proves the client read everything
 * sent before the ping. At most {@code window} characters may be sent and not yet acknowledged;
 * beyond that the sender waits for a pong ({@link #block}), and meanwhile its queue fills.
 *
 * <p>Not thread-safe: {@link Outbox} calls it under its lock.
 */
final class AckWindow {

  /** Marks remembered while their pongs are awaited; a pong for an older one is ignored. */
  private static final int MAX_MARKS = 16;

  private final long windowChars;
  private final long pingEveryChars;
  private long charsSent; // handed to the transport, in all
  private long charsAcked; // known to have reached the client
  private long charsAtLastMark;
  private long blockedSinceNanos; // 0 unless waiting for an acknowledgement
  private final LinkedHashMap<Long, Long> marks = new LinkedHashMap<>(); // mark -> charsSent

  /**
   * Creates a window.
   *
   * @param windowChars the most characters sent and not yet acknowledged; at least 4
   */
  AckWindow(long windowChars) {
    if (windowChars < 4) {
      throw new IllegalArgumentException("the window must be at least 4 characters");
    }
    this.windowChars = windowChars;
    this.pingEveryChars = windowChars / 4;
  }

  /**
   * Whether the window is used up: nothing more may be sent before a pong.
   *
   * @return true if {@code window} characters or more are unacknowledged
   */
  boolean isFull() {
    return charsSent - charsAcked >= windowChars;
  }

  /**
   * The sender waits for a pong from now on (unless it already did).
   *
   * @param nowNanos the current time, as {@link System#nanoTime()}
   */
  void block(long nowNanos) {
    if (blockedSinceNanos == 0) {
      blockedSinceNanos = Math.max(1, nowNanos);
    }
  }

  /**
   * Since when the sender waits for a pong.
   *
   * @return the time {@link #block} was called, or 0 if it does not wait
   */
  long blockedSinceNanos() {
    return blockedSinceNanos;
  }

  /**
   * Counts a frame handed to the transport.
   *
   * @param chars its length
   * @return the payload of a ping to send after the frame when a quarter window was sent since the
   *     last mark, else null
   */
  byte @Nullable [] sent(int chars) {
    charsSent += chars;
    return charsSent - charsAtLastMark >= pingEveryChars ? mark() : null;
  }

  /**
   * A new mark for everything sent so far.
   *
   * @return the payload of the ping that carries it
   */
  byte[] mark() {
    long token = ThreadLocalRandom.current().nextLong();
    charsAtLastMark = charsSent;
    marks.put(token, charsSent);
    if (marks.size() > MAX_MARKS) {
      Iterator<Long> oldest = marks.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return ByteBuffer.allocate(Long.BYTES).putLong(token).array();
  }

  /**
   * A pong arrived. If it echoes a mark, everything sent before that mark has reached the client.
   *
   * @param payload the pong's application data
   * @return true if this pong ends a wait ({@link #block}): the sender may resume
   */
  boolean acknowledge(ByteBuffer payload) {
    if (payload.remaining() != Long.BYTES) {
      return false; // not one of ours (an unsolicited pong)
    }
    long token = payload.getLong(payload.position());
    Long chars = marks.get(token);
    if (chars == null) {
      return false;
    }
    // This mark and every older one are settled.
    for (Iterator<Long> it = marks.keySet().iterator(); it.hasNext(); ) {
      Long t = it.next();
      it.remove();
      if (t == token) {
        break;
      }
    }
    charsAcked = Math.max(charsAcked, chars);
    if (blockedSinceNanos != 0 && charsSent - charsAcked < windowChars) {
      blockedSinceNanos = 0;
      return true;
    }
    return false;
  }

  /**
   * Characters sent and not yet acknowledged.
   *
   * @return the count
   */
  long unacknowledged() {
    return charsSent - charsAcked;
  }
}
