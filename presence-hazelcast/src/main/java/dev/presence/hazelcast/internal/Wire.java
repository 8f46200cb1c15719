package dev.presence.hazelcast.internal;

import java.util.Arrays;

/**
 * The byte encoding of what crosses Hazelcast as {@code byte[]}: entry processor results and event
 * bus messages. Strings are written as their UTF-16 code units, so every Java string (lone
 * surrogates included) round-trips exactly and no length limit applies.
 *
 * <p>Using {@code byte[]} (a type Hazelcast serializes itself) instead of classes of our own means
 * no member, listener or client thread ever has to load an application class to read a result or an
 * event, whatever class loader it runs with.
 */
final class Wire {

  private Wire() {}

  /** A growable output buffer. Not thread-safe. */
  static final class Out {
    private byte[] buf = new byte[64];
    private int size;

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    Out writeByte(int b) {
      ensure(1);
      buf[size++] = (byte) b;
      return this;
    }

    Out writeInt(int v) {
      ensure(4);
      buf[size++] = (byte) (v >>> 24);
      buf[size++] = (byte) (v >>> 16);
      buf[size++] = (byte) (v >>> 8);
      buf[size++] = (byte) v;
      return this;
    }

    Out writeLong(long v) {
      writeInt((int) (v >>> 32));
      return writeInt((int) v);
    }

    Out writeString(String s) {
      int n = s.length();
      writeInt(n);
      ensure(2 * n);
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        buf[size++] = (byte) (c >>> 8);
        buf[size++] = (byte) c;
      }
      return this;
    }

    /** Writes a string that may be null. */
    Out writeNullable(String s) {
      if (s == null) {
        return writeByte(0);
      }
      writeByte(1);
      return writeString(s);
    }

    /** Writes a flattened attribute map: key, value, key, value, ... */
    Out writeStrings(String[] values) {
      writeInt(values.length);
      for (String v : values) {
        writeString(v);
      }
      return this;
    }

    /** Appends the bytes of another buffer. */
    Out append(Out other) {
      ensure(other.size);
      System.arraycopy(other.buf, 0, buf, size, other.size);
      size += other.size;
      return this;
    }

    int size() {
      return size;
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf, size);
    }
  }

  /** A reader over bytes made by {@link Out}. Not thread-safe. */
  static final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf) {
      this.buf = buf;
    }

    int readByte() {
      return buf[pos++];
    }

    boolean readBoolean() {
      return readByte() != 0;
    }

    int readInt() {
      int v =
          ((buf[pos] & 0xff) << 24)
              | ((buf[pos + 1] & 0xff) << 16)
              | ((buf[pos + 2] & 0xff) << 8)
              | (buf[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    long readLong() {
      long high = readInt();
      long low = readInt() & 0xffffffffL;
      return (high << 32) | low;
    }

    String readString() {
      int n = readInt();
      char[] chars = new char[n];
      for (int i = 0; i < n; i++) {
        chars[i] = (char) (((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff));
        pos += 2;
      }
      return new String(chars);
    }

    String readNullable() {
      return readBoolean() ? readString() : null;
    }

    String[] readStrings() {
      int n = readInt();
      String[] values = new String[n];
      for (int i = 0; i < n; i++) {
        values[i] = readString();
      }
      return values;
    }

    boolean hasMore() {
      return pos < buf.length;
    }
  }
}
