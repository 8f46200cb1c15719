package dev.presence.spi.support;

import dev.presence.InvalidArgumentException;
import dev.presence.UserId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The cursors of {@link dev.presence.spi.PresenceStore#users}: {@code "u1."} followed by the
 * base64url form (no padding) of the UTF-8 bytes of the last user id of the page. A cursor names a
 * position, not a user: it stays valid while the channel changes, and a well-formed one names the
 * users after that id whether or not that user is present. Anything else (another prefix, not
 * base64url, bytes that are not UTF-8, text that is not a user id) is refused with {@link
 * InvalidArgumentException} and the text of {@link #invalid()}.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public final class PageCursors {

  private static final String PREFIX = "u1.";

  private PageCursors() {}

  /**
   * The cursor of the page that follows a user.
   *
   * @param lastUser the last user id of a page
   * @return the cursor
   */
  public static String encode(String lastUser) {
    return PREFIX
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(lastUser.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The user id a cursor names.
   *
   * @param cursor a cursor from a client
   * @return the user id the next page starts after
   * @throws InvalidArgumentException if the cursor was not made by {@link #encode}
   */
  public static String decode(String cursor) {
    if (cursor.startsWith(PREFIX)) {
      try {
        byte[] bytes = Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length()));
        // A decoder that reports bytes that are not UTF-8 instead of replacing them.
        String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        return UserId.of(text).value();
      } catch (IllegalArgumentException | CharacterCodingException | InvalidArgumentException e) {
        // not base64url, not UTF-8, or not a user id: refused below
      }
    }
    throw invalid();
  }

  /**
   * The error for a cursor that is not valid.
   *
   * @return a new exception with the one text of every store
   */
  public static InvalidArgumentException invalid() {
    return new InvalidArgumentException(
        "the cursor is not valid: pass the 'next' value of the previous page unchanged");
  }
}
