package dev.presence;

/**
 * The identity of a user, as taken from a verified token (never from what a client claims).
 *
 * <p>A valid value is 1 to {@value Ids#HARD_MAX_LENGTH} characters of {@code A-Z a-z 0-9 . _ -
 * : @}; the configured limit (128 by default (presence.limits.user-id-length)) is applied by the
 * service through {@link PresenceLimits}. Equality is by value and case-sensitive.
 *
 * @param value the user id; never null
 * @since 0.1
 */
public record UserId(String value) implements Comparable<UserId> {

  /**
   * Validates the value.
   *
   * @param value the user id; never null
   * @throws InvalidArgumentException if the value is empty, too long or has a character outside the
   *     allowed set
   */
  public UserId {
    Ids.check("user id", value, Ids.HARD_MAX_LENGTH);
  }

  /**
   * Creates an id, validating it.
   *
   * @param value the user id
   * @return the id
   * @throws InvalidArgumentException if the value is not a valid user id
   */
  public static UserId of(String value) {
    return new UserId(value);
  }

  @Override
  public int compareTo(UserId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
