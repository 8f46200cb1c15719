package dev.presence.spi.support;

/**
 * The outcome of a {@link MembershipCommand}: done, or why it was refused (a refused command
 * changes nothing).
 *
 * <p>Where the outcome crosses a process boundary (a backend's byte form, such as a Hazelcast entry
 * processor's result) it travels as its {@link #code()}, which never changes for a constant, so
 * that nodes of different versions can read each other's results; convert with {@link #ofCode(int)}
 * right where it is read.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public enum MembershipStatus {

  /** The command was done. */
  OK(0),

  /** A join was refused, the channel being full. */
  FULL(1),

  /** Setting attributes was refused, the user having no membership. */
  NOT_JOINED(2);

  private static final MembershipStatus[] ALL = values();

  private final int code;

  MembershipStatus(int code) {
    this.code = code;
  }

  /**
   * The stable number of this outcome in byte forms.
   *
   * @return the code
   */
  public int code() {
    return code;
  }

  /**
   * The outcome of a code written by {@link #code()}.
   *
   * @param code the code
   * @return the outcome
   * @throws IllegalStateException if no outcome has that code
   */
  public static MembershipStatus ofCode(int code) {
    for (MembershipStatus s : ALL) {
      if (s.code == code) {
        return s;
      }
    }
    throw new IllegalStateException("unknown status " + code);
  }
}
