package dev.presence.web.json;

import dev.presence.Attributes;

/**
 * Text checks shared by the readers and the senders (SPEC 13.1: every string a client sends must be
 * valid Unicode, and the server never sends text it cannot encode).
 *
 * <p>A Java string is UTF-16. It can be encoded as UTF-8 exactly when every surrogate is part of a
 * pair: a high surrogate (U+D800 to U+DBFF) directly followed by a low one (U+DC00 to U+DFFF). A
 * JSON escape of a lone surrogate is syntactically valid JSON, so a JSON parser hands such strings
 * over; the readers of {@link PresenceJson} refuse them. (The same rule is applied by {@code
 * dev.presence.Attributes} and {@code dev.presence.PageRequest} in the API, for callers that do not
 * come through JSON.)
 */
public final class Texts {

  /** The length at which {@link #abbreviate} cuts a quoted name. */
  public static final int QUOTE_LENGTH = 64;

  private Texts() {}

  /**
   * Whether every surrogate in the text is part of a pair, so that it can be encoded as UTF-8.
   *
   * @param s the text
   * @return true if the text is valid Unicode
   */
  public static boolean isWellFormed(CharSequence s) {
    return Attributes.isValidText(s);
  }

  /**
   * A client's text shortened for an error message: at most {@value #QUOTE_LENGTH} characters (one
   * more when a surrogate pair straddles the cut, which is never split) and {@code "..."} when cut.
   * Text that is not valid Unicode is never quoted: callers check it first, and this method
   * replaces any unpaired surrogate with U+FFFD so that the message can always be sent.
   *
   * @param s the text
   * @return the text to quote
   */
  public static String abbreviate(String s) {
    String head = s;
    boolean cut = false;
    if (s.length() > QUOTE_LENGTH) {
      int end = QUOTE_LENGTH;
      if (Character.isHighSurrogate(s.charAt(end - 1)) && Character.isLowSurrogate(s.charAt(end))) {
        end++;
      }
      cut = end < s.length();
      head = s.substring(0, end);
    }
    if (!isWellFormed(head)) {
      head = replaceUnpaired(head);
    }
    return cut ? head + "..." : head;
  }

  private static String replaceUnpaired(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else {
        sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return sb.toString();
  }
}
