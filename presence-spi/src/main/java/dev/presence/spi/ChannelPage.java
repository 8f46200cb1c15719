package dev.presence.spi;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of the channels that have users present, in ascending order of name ({@link
 * dev.presence.ChannelId#compareTo}), from {@link PresenceStore#channels}.
 *
 * <p>Each entry's occupancy is read when the entry is read; a page is not one atomic view of the
 * cluster (channels change while it is read), so a channel that empties or fills while pages are
 * read may be missing or listed with an occupancy that has changed since.
 *
 * @param channels the channels of this page, in ascending order of name; immutable
 * @param next the cursor of the next page, or null if this is the last page
 * @since 0.2
 */
public record ChannelPage(List<ChannelOccupancy> channels, @Nullable String next) {

  /**
   * Copies the list.
   *
   * @param channels the channels of this page, in ascending order of name
   * @param next the cursor of the next page, or null if this is the last page
   */
  public ChannelPage {
    channels = List.copyOf(channels);
  }
}
