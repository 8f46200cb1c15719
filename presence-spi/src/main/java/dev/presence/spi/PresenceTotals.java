package dev.presence.spi;

/**
 * Cluster-wide counts of a {@link PresenceStore}, from {@link PresenceStore#totals()}.
 *
 * @param presentUsers distinct users present in at least one channel (a user present in three
 *     channels counts once; pending memberships count, as in occupancy)
 * @param channels channels with at least one user present
 * @since 0.2
 */
public record PresenceTotals(long presentUsers, long channels) {

  /**
   * Validates the counts.
   *
   * @param presentUsers distinct users present in at least one channel
   * @param channels channels with at least one user present
   * @throws IllegalArgumentException if a count is negative
   */
  public PresenceTotals {
    if (presentUsers < 0 || channels < 0) {
      throw new IllegalArgumentException("counts are never negative");
    }
  }
}
