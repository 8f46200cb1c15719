package dev.presence.spi;

/**
 * A handle on a listener registered with a backend: the {@link PresenceEventBus.Listener} of {@link
 * PresenceEventBus#subscribe} or the {@link ClusterListener} of {@link
 * PresenceBackend#addClusterListener}. Closing it removes the listener.
 *
 * <p><b>Semantics.</b> Once {@link #close()} has returned, the listener is not called for events
 * published, or cluster changes seen, afterwards; a call already under way, or already handed to a
 * backend thread, may still happen. Closing is idempotent and does not close the bus or the
 * backend. A registration never closed lasts as long as its backend.
 *
 * <p><b>Threading.</b> {@link #close()} may be called from any thread, the listener's included.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Registration extends AutoCloseable {

  /** Removes the listener; idempotent. */
  @Override
  void close();
}
