package dev.presence;

/**
 * The identity of one session: one connection of a user (a WebSocket) or one implicit REST session
 * of a user in a channel. Session ids are made by the server, are unique in the cluster, and are
 * never shown to other users.
 *
 * @param value 1 to 4096 characters of {@code A-Z a-z 0-9 . _ - : @}
 * @since 0.1
 */
public record SessionId(String value) {

  /**
   * Validates the value.
   *
   * @param value 1 to 4096 characters of {@code A-Z a-z 0-9 . _ - : @}
   * @throws InvalidArgumentException if the value is not a valid id
   */
  public SessionId {
    Ids.check("session id", value, 4096);
  }

  /**
   * Creates an id, validating it.
   *
   * @param value the id
   * @return the id
   * @throws InvalidArgumentException if the value is not a valid id
   */
  public static SessionId of(String value) {
    return new SessionId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
