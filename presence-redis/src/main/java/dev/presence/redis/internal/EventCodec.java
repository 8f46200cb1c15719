package dev.presence.redis.internal;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.support.MembershipValues;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The wire form of a batch of events on the pub/sub channel: version byte 1, the count, then per
 * event kind code, channel, user, occupancy, seq, timestamp (seconds, nanos) and the attributes as
 * key/value pairs; strings as length-prefixed UTF-8. The backend's own form, never Java
 * serialization, so that nodes of different versions can read it.
 */
final class EventCodec {

  private static final int VERSION = 1;

  /**
   * The first byte of a close signal ({@code closeConnections}) on the same channel, then the user
   * id; a node of an older version drops it as an unknown version (logged).
   */
  private static final int CLOSE_SIGNAL = 2;

  private EventCodec() {}

  static byte[] encode(List<PresenceEvent> events) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * events.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(events.size());
      for (PresenceEvent e : events) {
        out.writeByte(MembershipValues.code(e));
        text(out, e.channel().value());
        text(out, e.userId().value());
        out.writeInt(e.occupancy());
        out.writeLong(e.seq());
        out.writeLong(e.timestamp().getEpochSecond());
        out.writeInt(e.timestamp().getNano());
        Map<String, String> attributes = e.attributes().values();
        out.writeInt(attributes.size());
        for (Map.Entry<String, String> a : attributes.entrySet()) {
          text(out, a.getKey());
          text(out, a.getValue());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a batch.
   *
   * @throws IllegalArgumentException if the bytes are not a batch of a known version
   */
  static List<PresenceEvent> decode(byte[] message) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown event batch version " + version);
      }
      int count = in.readInt();
      List<PresenceEvent> events = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int kind = in.readUnsignedByte();
        ChannelId channel = ChannelId.of(text(in));
        UserId user = UserId.of(text(in));
        int occupancy = in.readInt();
        long seq = in.readLong();
        Instant timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
        int size = in.readInt();
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int a = 0; a < size; a++) {
          attributes.put(text(in), text(in));
        }
        events.add(
            MembershipValues.event(
                kind,
                channel,
                user,
                size == 0 ? Attributes.EMPTY : Attributes.of(attributes),
                occupancy,
                seq,
                timestamp));
      }
      return events;
    } catch (IOException e) {
      throw new IllegalArgumentException("a truncated event batch", e);
    }
  }

  /** A close-connections signal. */
  static byte[] closeSignal(UserId user) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(CLOSE_SIGNAL);
      text(out, user.value());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The user of a close signal, or null if the message is not one.
   *
   * @throws IllegalArgumentException if it is a close signal that cannot be read
   */
  static @Nullable UserId closeSignalUser(byte[] message) {
    if (message.length == 0 || message[0] != CLOSE_SIGNAL) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
      in.readUnsignedByte();
      return UserId.of(text(in));
    } catch (IOException e) {
      throw new IllegalArgumentException("a truncated close signal", e);
    }
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String text(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
