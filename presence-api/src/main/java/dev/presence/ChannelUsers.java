package dev.presence;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of the users present in a channel, as of one point in the channel's event sequence.
 *
 * <p>{@code occupancy} and {@code seq} describe the whole channel at the moment the page was read:
 * the page reflects exactly the events up to and including {@code seq}. A channel nobody is present
 * in has occupancy 0, no users, and the seq of its last event (0 if it never had one, or if it was
 * removed after its last user left and forgotten).
 *
 * @param channel the channel
 * @param occupancy the number of users present in the channel
 * @param seq the channel's sequence number this page reflects
 * @param users the users of this page, in ascending order of id; immutable
 * @param next the cursor of the next page, or null if this is the last page
 * @since 0.1
 */
public record ChannelUsers(
    ChannelId channel, int occupancy, long seq, List<PresentUser> users, @Nullable String next) {

  /**
   * Copies the list.
   *
   * @param channel the channel
   * @param occupancy the number of users present in the channel
   * @param seq the channel's sequence number this page reflects
   * @param users the users of this page, in ascending order of id; immutable
   * @param next the cursor of the next page, or null if this is the last page
   */
  public ChannelUsers {
    users = List.copyOf(users);
  }
}
