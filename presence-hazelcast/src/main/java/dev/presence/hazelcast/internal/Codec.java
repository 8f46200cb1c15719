package dev.presence.hazelcast.internal;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns the byte forms of {@link Wire} into API values and back, on the caller's side: processor
 * results into events, and events into event bus messages. The API records never cross Hazelcast,
 * so the API can change under a running cluster as long as this form stays readable.
 */
final class Codec {

  /** The version byte of event bus messages. */
  private static final int MESSAGE_FORMAT = 1;

  private Codec() {}

  /** The outcome of a mutation: its status and events. */
  record Outcome(int status, List<PresenceEvent> events) {}

  static Outcome outcome(ChannelId channel, Instant now, byte @Nullable [] result) {
    if (result == null) {
      return new Outcome(ChannelState.STATUS_OK, List.of());
    }
    Wire.In in = new Wire.In(result);
    int status = in.readByte();
    return new Outcome(status, readEvents(channel, now, in));
  }

  /** Reads the events of a mutation result, which carries no status byte beyond the first. */
  private static List<PresenceEvent> readEvents(ChannelId channel, Instant now, Wire.In in) {
    int count = in.readInt();
    List<PresenceEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      EventKind kind = kind(in.readByte());
      UserId user = UserId.of(in.readString());
      Attributes attributes = attributes(in.readStrings());
      int occupancy = in.readInt();
      long seq = in.readLong();
      events.add(PresenceEvent.of(kind, channel, user, attributes, occupancy, seq, now));
    }
    return events;
  }

  static EventKind kind(int code) {
    return switch (code) {
      case ChannelState.JOIN -> EventKind.JOIN;
      case ChannelState.LEAVE -> EventKind.LEAVE;
      case ChannelState.TIMEOUT -> EventKind.TIMEOUT;
      case ChannelState.ATTRIBUTES -> EventKind.ATTRIBUTES_UPDATE;
      default -> throw new IllegalStateException("unknown event kind " + code);
    };
  }

  static byte code(EventKind kind) {
    return switch (kind) {
      case JOIN -> ChannelState.JOIN;
      case LEAVE -> ChannelState.LEAVE;
      case TIMEOUT -> ChannelState.TIMEOUT;
      case ATTRIBUTES_UPDATE -> ChannelState.ATTRIBUTES;
    };
  }

  static Attributes attributes(String[] flat) {
    if (flat.length == 0) {
      return Attributes.EMPTY;
    }
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < flat.length; i += 2) {
      map.put(flat[i], flat[i + 1]);
    }
    return Attributes.of(map);
  }

  /** Attributes as key, value, key, value, ... in key order. */
  static String[] flatten(Attributes attributes) {
    String[] flat = new String[attributes.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> e : attributes.values().entrySet()) {
      flat[i++] = e.getKey();
      flat[i++] = e.getValue();
    }
    return flat;
  }

  /** An event bus message: format, count, then each event in full. */
  static byte[] message(List<PresenceEvent> events) {
    Wire.Out out = new Wire.Out();
    out.writeByte(MESSAGE_FORMAT).writeInt(events.size());
    for (PresenceEvent e : events) {
      out.writeByte(code(e.kind()))
          .writeString(e.channel().value())
          .writeString(e.userId().value())
          .writeStrings(flatten(e.attributes()))
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
      EventKind kind = kind(in.readByte());
      ChannelId channel = ChannelId.of(in.readString());
      UserId user = UserId.of(in.readString());
      Attributes attributes = attributes(in.readStrings());
      int occupancy = in.readInt();
      long seq = in.readLong();
      Instant timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
      events.add(PresenceEvent.of(kind, channel, user, attributes, occupancy, seq, timestamp));
    }
    return events;
  }

  /** Nanoseconds since the epoch, saturating. */
  static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Nanoseconds of a duration, saturating. */
  static long nanos(java.time.Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
