package dev.presence.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.function.Predicate;

/**
 * A WebSocket client written by hand on a plain {@link Socket}, for what a well-behaved client
 * library will not do: stop reading (a stalled observer), stop sending (a dead client), or drop the
 * TCP connection without a close frame.
 */
public final class RawWebSocket implements Closeable {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private boolean lastFin;
  private int closeCode = -1;
  private String closeReason = "";
  private int batchFrames;
  private final Deque<JsonNode> unread = new ArrayDeque<>();

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Connects and completes the handshake.
   *
   * @param http the application
   * @param token sent as {@code access_token}
   * @param receiveBuffer the socket receive buffer in bytes (small makes a stall quick), or 0 for
   *     the default
   */
  public static RawWebSocket open(Http http, String token, int receiveBuffer) {
    URI ws = WsClient.endpoint(http.base());
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), 10_000);
      socket.setSoTimeout(20_000);
      RawWebSocket raw = new RawWebSocket(socket);
      raw.handshake(ws, token);
      return raw;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void handshake(URI ws, String token) throws IOException {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    String request =
        "GET "
            + ws.getRawPath()
            + "?access_token="
            + URLEncoder.encode(token, StandardCharsets.UTF_8)
            + " HTTP/1.1\r\n"
            + "Host: "
            + ws.getHost()
            + ":"
            + ws.getPort()
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(nonce)
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the handshake: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String response = head.toString(StandardCharsets.US_ASCII);
    if (!response.startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + response);
    }
  }

  /** Sends one masked text frame. */
  public void sendText(String text) {
    sendTextBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends one masked text frame with this payload as it is, even bytes that are not UTF-8 (which
   * RFC 6455 forbids in a text frame).
   */
  public void sendTextBytes(byte[] payload) {
    try {
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
      frame.write(0x81);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else if (payload.length < 65536) {
        frame.write(0x80 | 126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length & 0xff);
      } else {
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) (((long) payload.length >>> shift) & 0xff));
        }
      }
      byte[] mask = new byte[4];
      RANDOM.nextBytes(mask);
      frame.write(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i & 3]);
      }
      out.write(frame.toByteArray());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads messages (unpacking batches, keeping the rest of a batch for the next call) until one
   * matches, answering pings, and returns it; messages before it are dropped.
   *
   * @throws UncheckedIOException if the connection closes or nothing matches within the timeout
   */
  public JsonNode readUntil(Predicate<JsonNode> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (unread.isEmpty()) {
          JsonNode message = Json.parse(readTextMessage());
          if ("batch".equals(message.path("type").asText())) {
            batchFrames++;
            message.path("messages").forEach(unread::add);
          } else {
            unread.add(message);
          }
        }
        JsonNode next = unread.poll();
        if (next != null && match.test(next)) {
          return next;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new UncheckedIOException("nothing matched within " + timeout, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new UncheckedIOException(new IOException("nothing matched within " + timeout));
  }

  /** Batch frames read so far. */
  public int batchFrames() {
    return batchFrames;
  }

  /**
   * Whether the server has closed the connection: reads (and discards) what is waiting until the
   * end of the stream or a close frame, for at most {@code timeout}.
   */
  public boolean closedByServer(Duration timeout) {
    try {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      while (true) {
        int opcode = readFrameInto(new ByteArrayOutputStream());
        if (opcode == 8) {
          return true;
        }
      }
    } catch (EOFException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private String readTextMessage() throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      int opcode = readFrameInto(message);
      if (opcode == 8) {
        throw new EOFException("server sent close");
      }
      if (opcode == 9 || opcode == 10) {
        continue;
      }
      if (lastFin) {
        return message.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** Reads one frame; data frames append their payload to {@code sink}; returns the opcode. */
  private int readFrameInto(ByteArrayOutputStream sink) throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    boolean fin = (b0 & 0x80) != 0;
    int opcode = b0 & 0x0f;
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    if (opcode == 8 && payload.length >= 2) {
      closeCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
      closeReason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }
    if (opcode == 9) {
      sendControl(0x8A, payload);
    } else if (opcode == 0 || opcode == 1) {
      sink.write(payload);
      lastFin = fin;
    } else if (opcode == 8) {
      sink.write(payload); // the close code and reason
    }
    return opcode;
  }

  private void sendControl(int firstByte, byte[] payload) throws IOException {
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    byte[] frame = new byte[2 + 4 + payload.length];
    frame[0] = (byte) firstByte;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    out.write(frame);
    out.flush();
  }

  /**
   * Reads (and discards) until the server's close frame and returns its code.
   *
   * @param timeout how long to wait
   * @return the close code, or -1 if the connection ended without a close frame
   * @throws UncheckedIOException if nothing closed the connection within the timeout
   */
  public int awaitCloseCode(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("no close within " + timeout);
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        if (readFrameInto(new ByteArrayOutputStream()) == 8) {
          return closeCode;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new UncheckedIOException("the server did not close the connection", e);
    } catch (IOException e) {
      return closeCode; // the connection ended: the close frame, if one came, was recorded
    }
  }

  /** The code of the close frame the server sent, or -1 if none was read yet. */
  public int closeCode() {
    return closeCode;
  }

  /** The reason of the close frame the server sent, or "" if none was read yet. */
  public String closeReason() {
    return closeReason;
  }

  /**
   * Starts a masked frame that declares {@code declaredLength} payload bytes and sends only the
   * first {@code bytesToSend} of them (letters), in chunks, as a hostile client would; stops early,
   * without an exception, if the server closes the connection meanwhile.
   *
   * @param opcode 1 (text) or 0 (continuation)
   * @param fin whether the frame is the last of its message
   * @param declaredLength the payload length in the frame header
   * @param bytesToSend how much of the payload to send
   * @return the payload bytes actually written
   */
  public long sendFramePart(int opcode, boolean fin, long declaredLength, long bytesToSend) {
    long written = 0;
    try {
      ByteArrayOutputStream head = new ByteArrayOutputStream(14);
      head.write((fin ? 0x80 : 0) | opcode);
      if (declaredLength < 126) {
        head.write(0x80 | (int) declaredLength);
      } else if (declaredLength < 65536) {
        head.write(0x80 | 126);
        head.write((int) (declaredLength >>> 8));
        head.write((int) (declaredLength & 0xff));
      } else {
        head.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          head.write((int) ((declaredLength >>> shift) & 0xff));
        }
      }
      byte[] mask = new byte[4];
      RANDOM.nextBytes(mask);
      head.write(mask);
      out.write(head.toByteArray());
      byte[] chunk = new byte[16 * 1024];
      while (written < bytesToSend) {
        int n = (int) Math.min(chunk.length, bytesToSend - written);
        for (int i = 0; i < n; i++) {
          chunk[i] = (byte) ('a' ^ mask[(int) ((written + i) & 3)]);
        }
        out.write(chunk, 0, n);
        written += n;
      }
      out.flush();
    } catch (IOException e) {
      // the server closed the connection: that is what the caller is testing for
    }
    return written;
  }

  /** Sends a close frame with a code (no reason), as a client that ends cleanly does. */
  public void sendClose(int code) {
    try {
      sendControl(0x88, new byte[] {(byte) (code >>> 8), (byte) code});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drops the connection with a TCP reset: no close frame, no FIN. */
  public void reset() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the socket without a close frame. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
