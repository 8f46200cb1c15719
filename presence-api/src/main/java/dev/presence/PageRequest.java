package dev.presence;

import org.jspecify.annotations.Nullable;

/**
 * Which page of a channel's users to read, and whether to include attributes.
 *
 * <p>Users are listed in ascending order of their id. A cursor is opaque: it is the {@link
 * ChannelUsers#next()} of the previous page and stays valid while the channel changes (users who
 * join behind the cursor appear on a later page; users who leave are skipped). A cursor that is not
 * valid Unicode text (an unpaired UTF-16 surrogate) is refused here; one the store did not make is
 * refused by the store, also with {@link InvalidArgumentException}.
 *
 * @param limit the page size, 1 to {@value #MAX_LIMIT}
 * @param cursor where to continue, or null for the first page
 * @param withAttributes whether each user's attributes are returned
 * @since 0.1
 */
public record PageRequest(int limit, @Nullable String cursor, boolean withAttributes) {

  /** The largest page, and the default size. */
  public static final int MAX_LIMIT = 1000;

  /** The first page at the default size, with attributes. */
  public static final PageRequest FIRST = new PageRequest(MAX_LIMIT, null, true);

  /**
   * Validates the request.
   *
   * @param limit the page size, 1 to {@value #MAX_LIMIT}
   * @param cursor where to continue, or null for the first page
   * @param withAttributes whether each user's attributes are returned
   * @throws InvalidArgumentException if the limit is out of range, or the cursor is empty, over
   *     1024 characters or not valid Unicode text
   */
  public PageRequest {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
    if (cursor != null && (cursor.isEmpty() || cursor.length() > 1024)) {
      throw new InvalidArgumentException("cursor is not valid");
    }
    if (cursor != null && !Text.isWellFormed(cursor)) {
      throw Text.notUnicode("the cursor");
    }
  }
}
