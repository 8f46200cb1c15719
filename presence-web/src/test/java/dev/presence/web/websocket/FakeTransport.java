package dev.presence.web.websocket;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A socket that records what is sent. In auto mode every send completes at once, on the sending
 * thread (as Tyrus does when the socket takes the data); otherwise sends stay in flight until
 * {@link #completeNext()} or {@link #failNext}.
 */
final class FakeTransport implements Transport {

  private final List<String> frames = new ArrayList<>();
  private final Deque<SendCallback> inFlight = new ArrayDeque<>();
  private boolean auto;
  private final List<byte[]> pings = new ArrayList<>();
  private int closeCode;
  private @Nullable String closeReason;
  private int closes;

  FakeTransport(boolean auto) {
    this.auto = auto;
  }

  @Override
  public void send(String text, SendCallback callback) {
    boolean now;
    synchronized (this) {
      frames.add(text);
      now = auto;
      if (!now) {
        inFlight.add(callback);
      }
    }
    if (now) {
      callback.done(null);
    }
  }

  @Override
  public synchronized void ping(byte[] payload) {
    pings.add(payload.clone());
  }

  @Override
  public synchronized void close(int code, String reason) {
    closes++;
    if (closeCode == 0) {
      closeCode = code;
      closeReason = reason;
    }
  }

  /** Completes the oldest send in flight. */
  void completeNext() {
    SendCallback cb;
    synchronized (this) {
      cb = inFlight.poll();
    }
    if (cb == null) {
      throw new IllegalStateException("no send in flight");
    }
    cb.done(null);
  }

  /** Fails the oldest send in flight. */
  void failNext(Throwable failure) {
    SendCallback cb;
    synchronized (this) {
      cb = inFlight.poll();
    }
    if (cb == null) {
      throw new IllegalStateException("no send in flight");
    }
    cb.done(failure);
  }

  /** From now on, every send completes at once; completes those in flight too. */
  void auto() {
    synchronized (this) {
      auto = true;
    }
    while (true) {
      SendCallback cb;
      synchronized (this) {
        cb = inFlight.poll();
      }
      if (cb == null) {
        return;
      }
      cb.done(null);
    }
  }

  synchronized int inFlight() {
    return inFlight.size();
  }

  synchronized List<String> frames() {
    return List.copyOf(frames);
  }

  synchronized int pings() {
    return pings.size();
  }

  /** The payload of the latest ping, as a pong would echo it. */
  synchronized ByteBuffer lastPing() {
    return ByteBuffer.wrap(pings.get(pings.size() - 1));
  }

  /** The payload of a ping, as a pong would echo it. */
  synchronized ByteBuffer ping(int index) {
    return ByteBuffer.wrap(pings.get(index));
  }

  synchronized int closeCode() {
    return closeCode;
  }

  synchronized @Nullable String closeReason() {
    return closeReason;
  }

  synchronized int closes() {
    return closes;
  }
}
