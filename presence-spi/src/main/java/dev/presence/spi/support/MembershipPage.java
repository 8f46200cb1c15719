package dev.presence.spi.support;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a channel's users, as plain data, read by {@link MembershipMachine#page}; {@link
 * MembershipValues#channelUsers} makes the {@link dev.presence.ChannelUsers} of it.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @param occupancy the channel's occupancy
 * @param seq the channel's sequence number
 * @param users the user ids of the page, ascending
 * @param attributes the users' flattened attributes, in the same order, or empty if not asked for
 * @param last the last user id of the page if more users follow it, else null
 * @since 0.1
 */
public record MembershipPage(
    int occupancy, long seq, List<String> users, List<String[]> attributes, @Nullable String last) {

  /**
   * Copies the lists.
   *
   * @param occupancy the channel's occupancy
   * @param seq the channel's sequence number
   * @param users the user ids of the page, ascending
   * @param attributes the users' flattened attributes, in the same order, or empty
   * @param last the last user id of the page if more users follow it, else null
   */
  public MembershipPage {
    users = List.copyOf(users);
    attributes = List.copyOf(attributes);
  }
}
