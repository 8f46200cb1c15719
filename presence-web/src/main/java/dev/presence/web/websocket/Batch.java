package dev.presence.web.websocket;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages of one outgoing frame: a lone message goes as it is, several as {@code
 * {"type":"batch","messages":[...]}} (SPEC 5), in order. A batch holds at most {@value
 * #MAX_MESSAGES} messages and stops growing at about {@value #MAX_CHARS} characters; a message
 * larger than that goes alone. So under load the per-frame cost is shared by many messages, while a
 * single message is never delayed to wait for company.
 *
 * <p>Not thread-safe; one batch is filled and framed by one drain at a time.
 */
final class Batch {

  /** The most messages in one batch frame. */
  static final int MAX_MESSAGES = 256;

  /** A batch frame stops growing at about this many characters. */
  static final int MAX_CHARS = 60 * 1024;

  private static final String HEAD = "{\"type\":\"batch\",\"messages\":[";

  private final List<String> messages = new ArrayList<>();
  private int chars;

  /**
   * Starts a frame.
   *
   * @param first its first message, whatever its size
   */
  Batch(String first) {
    messages.add(first);
    chars = HEAD.length() + first.length();
  }

  /**
   * Adds a message if it fits.
   *
   * @param next the message
   * @return false if it does not fit: the frame is complete, the message stays for the next one
   */
  boolean add(String next) {
    if (messages.size() >= MAX_MESSAGES || chars + 1 + next.length() > MAX_CHARS) {
      return false;
    }
    messages.add(next);
    chars += 1 + next.length();
    return true;
  }

  /**
   * The frame's text.
   *
   * @return the lone message, or the batch message of them all
   */
  String frame() {
    if (messages.size() == 1) {
      return messages.get(0);
    }
    int length = HEAD.length() + 2;
    for (String m : messages) {
      length += m.length() + 1;
    }
    StringBuilder sb = new StringBuilder(length).append(HEAD);
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(messages.get(i));
    }
    return sb.append("]}").toString();
  }
}
