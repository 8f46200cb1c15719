package dev.presence;

/**
 * Shared check that text a client sent is valid Unicode. Not part of the API.
 *
 * <p>A Java string is UTF-16; it is valid Unicode text when every surrogate is part of a pair (a
 * high surrogate U+D800 to U+DBFF directly followed by a low surrogate U+DC00 to U+DFFF). An
 * unpaired surrogate has no UTF-8 encoding: a JSON escape such as backslash-u-D800 without its
 * partner produces one, and a server that stored it could not send it on.
 */
final class Text {

  private Text() {}

  /**
   * Whether every surrogate in the text is part of a pair.
   *
   * @param s the text
   * @return true if the text can be encoded as UTF-8
   */
  static boolean isWellFormed(CharSequence s) {
    return isWellFormed(s.toString());
  }

  /**
   * Whether every surrogate in the string is part of a pair. The loop runs over a {@link String}
   * only, so that its {@code charAt} never depends on the JIT's type profile of a {@link
   * CharSequence} call: the WebSocket layer checks every outgoing frame (a fifth of the send
   * threads' CPU samples in the paced benchmark of issue #9; no change was measurable there after
   * this, see presence-it/BENCHMARKS.md).
   *
   * @param s the text
   * @return true if the text can be encoded as UTF-8
   */
  static boolean isWellFormed(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The refusal of text that is not valid Unicode. The message never quotes the text itself.
   *
   * @param what what the text is, such as "an attribute name"
   * @return the exception
   */
  static InvalidArgumentException notUnicode(String what) {
    return new InvalidArgumentException(
        what
            + " is not valid Unicode text: it holds an unpaired surrogate (a JSON escape from"
            + " \\ud800 to \\udfff without its partner); send text as UTF-8, with every high"
            + " surrogate followed by a low one");
  }
}
