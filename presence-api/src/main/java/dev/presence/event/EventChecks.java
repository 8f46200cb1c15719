package dev.presence.event;

/** Shared validation of the event records. Not part of the API. */
final class EventChecks {
  private EventChecks() {}

  static void check(int occupancy, long seq) {
    if (occupancy < 0) {
      throw new IllegalArgumentException("occupancy must not be negative");
    }
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be at least 1");
    }
  }
}
