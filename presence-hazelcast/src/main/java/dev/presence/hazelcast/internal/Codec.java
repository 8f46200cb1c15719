package dev.presence.hazelcast.internal;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.support.MembershipEvent;
import dev.presence.spi.support.MembershipPage;
import dev.presence.spi.support.MembershipStatus;
import dev.presence.spi.support.MembershipValues;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns the byte forms of {@link Wire} into API values and back, on the caller's side: processor
 * results into events and pages, and events into event bus messages (the conversions of single
 * values are {@link MembershipValues}'s). The API records never cross Hazelcast, so the API can
 * change under a running cluster as long as this form stays readable.
 */
final class Codec {

  /** The version byte of event bus messages. */
  private static final int MESSAGE_FORMAT = 1;

  /**
   * The first byte of a close signal on the events topic ({@code closeConnections}): then the user
   * id. A node of an older version drops it as an unknown format (logged).
   */
  private static final int CLOSE_SIGNAL = 2;

  private Codec() {}

  /** The outcome of a mutation: its status and events. */
  record Outcome(MembershipStatus status, List<PresenceEvent> events) {}

  static Outcome outcome(ChannelId channel, Instant now, byte @Nullable [] result) {
    if (result == null) {
      return new Outcome(MembershipStatus.OK, List.of());
    }
    Wire.In in = new Wire.In(result);
    MembershipStatus status = MembershipStatus.ofCode(in.readByte());
    int count = in.readInt();
    List<PresenceEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      MembershipEvent e =
          new MembershipEvent(
              in.readByte(), in.readString(), in.readStrings(), in.readInt(), in.readLong());
      events.add(MembershipValues.event(channel, e, now));
    }
    return new Outcome(status, events);
  }

  /** Reads the answer of a {@link ChannelProcessors.Read#PAGE} read. */
  static MembershipPage page(Wire.In in, boolean withAttributes) {
    int occupancy = in.readInt();
    long seq = in.readLong();
    int count = in.readInt();
    List<String> users = new ArrayList<>(count);
    List<String[]> attributes = new ArrayList<>(withAttributes ? count : 0);
    for (int i = 0; i < count; i++) {
      users.add(in.readString());
      if (withAttributes) {
        attributes.add(in.readStrings());
      }
    }
    return new MembershipPage(occupancy, seq, users, attributes, in.readNullable());
  }

  /** An event bus message: format, count, then each event in full. */
  static byte[] message(List<PresenceEvent> events) {
    Wire.Out out = new Wire.Out();
    out.writeByte(MESSAGE_FORMAT).writeInt(events.size());
    for (PresenceEvent e : events) {
      out.writeByte(MembershipValues.code(e))
          .writeString(e.channel().value())
          .writeString(e.userId().value())
          .writeStrings(MembershipValues.flatten(e.attributes()))
          .writeInt(e.occupancy())
          .writeLong(e.seq())
          .writeLong(e.timestamp().getEpochSecond())
          .writeInt(e.timestamp().getNano());
    }
    return out.toBytes();
  }

  static List<PresenceEvent> events(byte[] message) {
    Wire.In in = new Wire.In(message);
    int format = in.readByte();
    if (format != MESSAGE_FORMAT) {
      throw new IllegalStateException("unknown event message format " + format);
    }
    int count = in.readInt();
    List<PresenceEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int kind = in.readByte();
      ChannelId channel = ChannelId.of(in.readString());
      UserId user = UserId.of(in.readString());
      Attributes attributes = MembershipValues.attributes(in.readStrings());
      int occupancy = in.readInt();
      long seq = in.readLong();
      Instant timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
      events.add(
          MembershipValues.event(kind, channel, user, attributes, occupancy, seq, timestamp));
    }
    return events;
  }

  /** A close-connections signal for the events topic. */
  static byte[] closeSignal(UserId user) {
    return new Wire.Out().writeByte(CLOSE_SIGNAL).writeString(user.value()).toBytes();
  }

  /**
   * The user of a close signal, or null if the message is an event message.
   *
   * @throws RuntimeException if the message is a close signal that cannot be read
   */
  static @Nullable UserId closeSignalUser(byte[] message) {
    if (message.length == 0 || message[0] != CLOSE_SIGNAL) {
      return null;
    }
    Wire.In in = new Wire.In(message);
    in.readByte();
    return UserId.of(in.readString());
  }
}
