package dev.presence;

/** Shared validation of the identifier alphabet. Not part of the API. */
final class Ids {

  /** The hard ceiling of any identifier's length, above every configurable limit. */
  static final int HARD_MAX_LENGTH = 1024;

  private Ids() {}

  static String check(String kind, String value, int maxLength) {
    if (value.isEmpty()) {
      throw new InvalidArgumentException(
          kind + " must be 1 to " + maxLength + " characters of A-Z a-z 0-9 . _ - : @");
    }
    checkLength(kind, value, maxLength);
    for (int i = 0; i < value.length(); i++) {
      if (!allowed(value.charAt(i))) {
        throw new InvalidArgumentException(
            kind + " may contain only the characters A-Z a-z 0-9 . _ - : @");
      }
    }
    return value;
  }

  /**
   * Checks only the length of a value whose characters are known to be allowed (a {@link ChannelId}
   * or {@link UserId}, whose constructor checked them): the configured limit without a second scan
   * of the characters. The message is {@link #check}'s.
   */
  static String checkLength(String kind, String value, int maxLength) {
    if (value.length() > maxLength) {
      throw new InvalidArgumentException(
          kind + " must be 1 to " + maxLength + " characters of A-Z a-z 0-9 . _ - : @");
    }
    return value;
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-'
        || c == ':'
        || c == '@';
  }
}
