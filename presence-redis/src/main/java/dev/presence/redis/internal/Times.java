package dev.presence.redis.internal;

import dev.presence.spi.support.MembershipMachine;
import java.time.Duration;
import java.time.Instant;

/**
 * Times as the script takes them: nanoseconds since the epoch as 19-digit zero-padded decimal
 * strings, whose string order is time order ({@code presence.lua} compares them as strings, since
 * its numbers are doubles). Before the epoch counts as the epoch; {@link MembershipMachine#NONE}
 * means never.
 */
final class Times {

  private Times() {}

  static String of(long nanos) {
    return String.format("%019d", Math.max(0, nanos));
  }

  static String of(Instant t) {
    return of(MembershipMachine.nanos(t));
  }

  static String of(Duration d) {
    return of(MembershipMachine.nanos(d));
  }
}
