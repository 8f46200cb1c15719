package dev.presence.web.engine;

import dev.presence.InvalidArgumentException;
import org.jspecify.annotations.Nullable;

/** What an observer of a channel is sent (SPEC 13.3). */
public enum ObserveMode {
  /** Every event, or intervals while the channel is over {@code presence.channels.announce-max}. */
  EVENTS("events"),
  /** The occupancy, at most once per interval when it changed. */
  OCCUPANCY("occupancy");

  private final String wireName;

  ObserveMode(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name in requests.
   *
   * @return {@code events} or {@code occupancy}
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Reads a mode as written in a request.
   *
   * @param value the value, or null when absent
   * @return the mode; {@link #EVENTS} when absent
   * @throws InvalidArgumentException for any other value
   */
  public static ObserveMode parse(@Nullable String value) {
    if (value == null) {
      return EVENTS;
    }
    for (ObserveMode m : values()) {
      if (m.wireName.equals(value)) {
        return m;
      }
    }
    throw new InvalidArgumentException("mode must be \"events\" or \"occupancy\"");
  }
}
