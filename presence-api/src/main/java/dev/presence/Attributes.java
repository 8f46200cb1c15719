package dev.presence;

import java.util.Map;
import java.util.TreeMap;

/**
 * The attributes of a user's presence in one channel: a small {@code string -> string} map (mood,
 * location, score). Setting attributes replaces the whole map. They are never persisted: they are
 * dropped when the user's presence in the channel ends.
 *
 * <p>This record only guarantees structural validity: non-null keys and values, no empty key, and
 * every key and value valid Unicode text (every UTF-16 surrogate part of a pair, so that it can be
 * encoded as UTF-8; an unpaired surrogate, such as a JSON escape of U+D800 without its partner, is
 * refused with {@link InvalidArgumentException} and never stored or sent). The size limits of the
 * specification (32 keys, key 1 to 64 characters, value at most 1024 characters, 8 KiB in all, by
 * default) are configurable and applied by {@link PresenceLimits#check(Attributes)}. The map is an
 * immutable copy, iterated in key order.
 *
 * @param values the attributes; copied
 * @since 0.1
 */
public record Attributes(Map<String, String> values) {

  /** The empty map, which every join starts with. */
  public static final Attributes EMPTY = new Attributes(Map.of());

  /**
   * Validates and copies the map.
   *
   * @param values the attributes; copied
   * @throws InvalidArgumentException if a key or value is null, a key is empty, or a key or value
   *     is not valid Unicode text (holds an unpaired surrogate)
   */
  public Attributes {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key == null || key.isEmpty()) {
        throw new InvalidArgumentException("attribute names must not be empty");
      }
      if (!Text.isWellFormed(key)) {
        throw Text.notUnicode("an attribute name");
      }
      if (value == null) {
        throw new InvalidArgumentException("attribute '" + key + "' must have a string value");
      }
      if (!Text.isWellFormed(value)) {
        throw Text.notUnicode("the value of attribute '" + key + "'");
      }
      sorted.put(key, value);
    }
    values = java.util.Collections.unmodifiableMap(sorted);
  }

  /**
   * Whether text is valid Unicode as SPEC 13.1 requires of every id, key, value and cursor: every
   * UTF-16 surrogate in it is part of a pair (a high surrogate directly followed by a low one), so
   * that it has a UTF-8 encoding. A JSON escape of a lone surrogate is valid JSON yet fails this
   * check. Front ends apply it to text that does not pass through the API's own constructors.
   *
   * @param text the text, not null
   * @return true if the text can be encoded as UTF-8
   */
  public static boolean isValidText(CharSequence text) {
    return Text.isWellFormed(text);
  }

  /**
   * Creates attributes from a map.
   *
   * @param values the map; copied
   * @return the attributes
   * @throws InvalidArgumentException if a key or value is null, a key is empty, or a key or value
   *     is not valid Unicode text
   */
  public static Attributes of(Map<String, String> values) {
    return values.isEmpty() ? EMPTY : new Attributes(values);
  }

  /**
   * The number of attributes.
   *
   * @return the count
   */
  public int size() {
    return values.size();
  }

  /**
   * Whether there are no attributes.
   *
   * @return true if the map is empty
   */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /**
   * The encoded size used for the whole-map limit: the UTF-8 bytes of every key and value.
   *
   * @return the size in bytes
   */
  public int encodedSize() {
    int bytes = 0;
    for (Map.Entry<String, String> e : values.entrySet()) {
      bytes += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    return bytes;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
