package dev.presence;

import java.util.Map;

/**
 * The configurable limits of the specification (section 7), with the defaults of the specification.
 * Each check method throws the error the specification assigns and has no side effect; a service
 * applies them before anything is stored, so a refused request stores nothing.
 *
 * <p>Configuration keys ({@code presence.limits.*}) are given on each component.
 *
 * @param channelLength longest channel name ({@code presence.limits.channel-length}, 200)
 * @param userIdLength longest user id ({@code presence.limits.user-id-length}, 128)
 * @param attributeKeys most attributes per user and channel ({@code
 *     presence.limits.attribute-keys}, 32)
 * @param attributeKeyLength longest attribute name ({@code presence.limits.attribute-key-length},
 *     64)
 * @param attributeValueLength longest attribute value ({@code
 *     presence.limits.attribute-value-length}, 1024)
 * @param attributesBytes largest whole map in UTF-8 bytes of keys and values ({@code
 *     presence.limits.attributes-bytes}, 8192)
 * @param channelsPerSession most channels one session may join ({@code
 *     presence.limits.channels-per-session}, 200)
 * @param sessionsPerUser most concurrent sessions of one user ({@code
 *     presence.limits.sessions-per-user}, 64)
 * @param usersPerChannel most users present in one channel ({@code
 *     presence.limits.users-per-channel}, 100000)
 * @param attributeSetsPerSecond sustained attribute sets per user and second ({@code
 *     presence.limits.attribute-rate}, 10)
 * @param attributeSetsBurst attribute sets a user may make at once ({@code
 *     presence.limits.attribute-burst}, 20)
 * @since 0.1
 */
public record PresenceLimits(
    int channelLength,
    int userIdLength,
    int attributeKeys,
    int attributeKeyLength,
    int attributeValueLength,
    int attributesBytes,
    int channelsPerSession,
    int sessionsPerUser,
    int usersPerChannel,
    int attributeSetsPerSecond,
    int attributeSetsBurst) {

  /** The defaults of the specification. */
  public static final PresenceLimits DEFAULTS =
      new PresenceLimits(200, 128, 32, 64, 1024, 8192, 200, 64, 100_000, 10, 20);

  /**
   * Validates the limits.
   *
   * @param channelLength longest channel name ({@code presence.limits.channel-length}, 200)
   * @param userIdLength longest user id ({@code presence.limits.user-id-length}, 128)
   * @param attributeKeys most attributes per user and channel ({@code
   *     presence.limits.attribute-keys}, 32)
   * @param attributeKeyLength longest attribute name ({@code presence.limits.attribute-key-length},
   *     64)
   * @param attributeValueLength longest attribute value ({@code
   *     presence.limits.attribute-value-length}, 1024)
   * @param attributesBytes largest whole map in UTF-8 bytes of keys and values ({@code
   *     presence.limits.attributes-bytes}, 8192)
   * @param channelsPerSession most channels one session may join ({@code
   *     presence.limits.channels-per-session}, 200)
   * @param sessionsPerUser most concurrent sessions of one user ({@code
   *     presence.limits.sessions-per-user}, 64)
   * @param usersPerChannel most users present in one channel ({@code
   *     presence.limits.users-per-channel}, 100000)
   * @param attributeSetsPerSecond sustained attribute sets per user and second ({@code
   *     presence.limits.attribute-rate}, 10)
   * @param attributeSetsBurst attribute sets a user may make at once ({@code
   *     presence.limits.attribute-burst}, 20)
   * @throws IllegalArgumentException if a limit is not positive or an id length is above {@value
   *     Ids#HARD_MAX_LENGTH}
   */
  public PresenceLimits {
    int[] all = {
      channelLength,
      userIdLength,
      attributeKeys,
      attributeKeyLength,
      attributeValueLength,
      attributesBytes,
      channelsPerSession,
      sessionsPerUser,
      usersPerChannel,
      attributeSetsPerSecond,
      attributeSetsBurst
    };
    for (int limit : all) {
      if (limit <= 0) {
        throw new IllegalArgumentException("every limit must be positive");
      }
    }
    if (channelLength > Ids.HARD_MAX_LENGTH || userIdLength > Ids.HARD_MAX_LENGTH) {
      throw new IllegalArgumentException(
          "id lengths may not exceed " + Ids.HARD_MAX_LENGTH + " characters");
    }
  }

  /**
   * Checks a channel name against {@link #channelLength()}: its length only, since a {@link
   * ChannelId} has checked its characters when it was made.
   *
   * @param channel the channel
   * @return the channel
   * @throws InvalidArgumentException if the name is too long
   */
  public ChannelId check(ChannelId channel) {
    Ids.checkLength("channel name", channel.value(), channelLength);
    return channel;
  }

  /**
   * Checks a user id against {@link #userIdLength()}: its length only, since a {@link UserId} has
   * checked its characters when it was made.
   *
   * @param user the user
   * @return the user
   * @throws InvalidArgumentException if the id is too long
   */
  public UserId check(UserId user) {
    Ids.checkLength("user id", user.value(), userIdLength);
    return user;
  }

  /**
   * Checks attributes against the key count, key length, value length and total size limits.
   *
   * @param attributes the attributes
   * @return the attributes
   * @throws TooLargeException if any limit is exceeded
   */
  public Attributes check(Attributes attributes) {
    if (attributes.size() > attributeKeys) {
      throw new TooLargeException(
          "at most " + attributeKeys + " attributes are allowed, got " + attributes.size());
    }
    for (Map.Entry<String, String> e : attributes.values().entrySet()) {
      if (e.getKey().length() > attributeKeyLength) {
        throw new TooLargeException(
            "attribute names may be at most " + attributeKeyLength + " characters");
      }
      if (e.getValue().length() > attributeValueLength) {
        throw new TooLargeException(
            "attribute '"
                + e.getKey()
                + "' is longer than "
                + attributeValueLength
                + " characters");
      }
    }
    int size = attributes.encodedSize();
    if (size > attributesBytes) {
      throw new TooLargeException(
          "attributes may take at most " + attributesBytes + " bytes in all, got " + size);
    }
    return attributes;
  }
}
