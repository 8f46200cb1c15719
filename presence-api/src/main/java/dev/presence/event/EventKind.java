package dev.presence.event;

/**
 * The four kinds of presence event, with the names used on the wire (they match the seed SDK).
 *
 * @since 0.1
 */
public enum EventKind {
  /** A user became present in a channel. */
  JOIN("join"),
  /** A user's presence ended by an explicit leave, or a clean close after the grace period. */
  LEAVE("leave"),
  /** A user's presence ended because their last session was lost or its node died. */
  TIMEOUT("timeout"),
  /** A present user's attributes changed. */
  ATTRIBUTES_UPDATE("attributesUpdate");

  private final String wireName;

  EventKind(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name on the wire: {@code join}, {@code leave}, {@code timeout} or {@code attributesUpdate}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * The kind with a wire name.
   *
   * @param wireName the wire name
   * @return the kind
   * @throws IllegalArgumentException if no kind has that name
   */
  public static EventKind ofWireName(String wireName) {
    for (EventKind kind : values()) {
      if (kind.wireName.equals(wireName)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown event kind: " + wireName);
  }
}
