package dev.presence;

/**
 * The name of a channel: any named place where users can be present (an app, a room, a video, a
 * friends list). Channels exist implicitly: the first join creates one and the last leave removes
 * it.
 *
 * <p>A valid value is 1 to {@value Ids#HARD_MAX_LENGTH} characters of {@code A-Z a-z 0-9 . _ -
 * : @}, other than {@code .} and {@code ..} (dot segments, which URL-normalising clients cannot
 * reach in a path; SPEC 13.1); the configured limit (200 by default
 * (presence.limits.channel-length)) is applied by the service through {@link PresenceLimits}.
 * Equality is by value and case-sensitive.
 *
 * @param value the channel name; never null
 * @since 0.1
 */
public record ChannelId(String value) implements Comparable<ChannelId> {

  /**
   * Validates the value.
   *
   * @param value the channel name; never null
   * @throws InvalidArgumentException if the value is empty, too long, has a character outside the
   *     allowed set, or is {@code .} or {@code ..}
   */
  public ChannelId {
    Ids.check("channel name", value, Ids.HARD_MAX_LENGTH);
    if (value.equals(".") || value.equals("..")) {
      throw new InvalidArgumentException(
          "channel names '.' and '..' are not accepted: URL-normalising clients cannot reach them");
    }
  }

  /**
   * Creates an id, validating it.
   *
   * @param value the channel name
   * @return the id
   * @throws InvalidArgumentException if the value is not a valid channel name
   */
  public static ChannelId of(String value) {
    return new ChannelId(value);
  }

  @Override
  public int compareTo(ChannelId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
