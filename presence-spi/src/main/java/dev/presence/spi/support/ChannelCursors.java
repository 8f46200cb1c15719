package dev.presence.spi.support;

import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The cursors of {@link dev.presence.spi.PresenceStore#channels}: {@code "c1."} followed by the
 * base64url form (no padding) of the UTF-8 bytes of the listing's prefix, a line feed, and the last
 * channel of the page. A cursor names a position, not a channel: it stays valid while channels
 * change. It is bound to its prefix: a cursor is refused for another prefix, and so is anything
 * else not made by {@link #encode} (another version tag, not base64url, bytes that are not UTF-8,
 * no separator, a last channel that is not a channel id or does not start with the prefix, a cursor
 * of the users listing), always with {@link InvalidArgumentException} and the text of {@link
 * PageCursors#invalid()}. A cursor is not signed: one made by hand in this form for the same prefix
 * names a position like any other, which reveals nothing a caller with the admin role could not
 * list anyway.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.2
 */
public final class ChannelCursors {

  private static final String PREFIX = "c1.";

  private ChannelCursors() {}

  /**
   * The cursor of the page that follows a channel.
   *
   * @param prefix the listing's prefix
   * @param lastChannel the last channel of a page
   * @return the cursor
   */
  public static String encode(String prefix, String lastChannel) {
    return PREFIX
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString((prefix + "\n" + lastChannel).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The channel a cursor names.
   *
   * @param prefix the listing's prefix
   * @param cursor a cursor from a client
   * @return the channel name the next page starts after
   * @throws InvalidArgumentException if the cursor was not made by {@link #encode} for this prefix
   */
  public static String decode(String prefix, String cursor) {
    if (cursor.startsWith(PREFIX) && cursor.length() <= 4096) {
      try {
        byte[] bytes = Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length()));
        String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        int sep = text.indexOf('\n');
        if (sep >= 0 && text.substring(0, sep).equals(prefix)) {
          String last = ChannelId.of(text.substring(sep + 1)).value();
          if (last.startsWith(prefix)) {
            return last;
          }
        }
      } catch (IllegalArgumentException | CharacterCodingException | InvalidArgumentException e) {
        // not base64url, not UTF-8, or not a channel id: refused below
      }
    }
    throw PageCursors.invalid();
  }
}
