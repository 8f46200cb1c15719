package dev.presence.web.websocket;

import jakarta.servlet.ServletContext;
import jakarta.websocket.server.ServerContainer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The seam between the WebSocket endpoint and what is specific to the container's WebSocket
 * implementation. Only {@link #configure} touches the implementation, reflectively, so the WAR
 * still deploys on a server without it (then only the standard part applies).
 *
 * <p>Standard (every Jakarta WebSocket container): the default session idle timeout is set to a
 * positive value far above the presence timeout. The application judges liveness itself (pings,
 * pongs and frames, see {@link Connection}); the container's timer is a backstop only. It must not
 * be 0 on Tyrus: every new Tyrus session arms its idle timer in its constructor with the default
 * timeout, and with 0 the timer fires at once; if the application then set a positive timeout
 * before the timer's task ran, the task closed the brand-new session ("Session closed by the
 * container because of the idle timeout", about 1 in 1,000 to 5,000 connects under load).
 *
 * <p>Tyrus (Payara, GlassFish): two settings that Tyrus reads once, reached reflectively:
 *
 * <ul>
 *   <li><b>Idle timers.</b> Tyrus re-arms a session's idle timer on every frame sent and received
 *       ({@code TyrusSession.restartIdleTimeoutExecutor}) on the container's {@code
 *       java:comp/DefaultManagedScheduledExecutorService}. On Payara that executor captures the
 *       application's context for every task, which scans the WAR's jars; it was 54-64 % of the CPU
 *       at high event rates, and cancelled tasks stay queued until their delay passes. The
 *       scheduler Tyrus hands to new sessions is replaced by the application's own, which removes a
 *       cancelled task at once and captures nothing. Its thread comes from the container's managed
 *       thread factory, so a timer that does fire runs in the application's context.
 *   <li><b>Incoming buffer.</b> Tyrus buffers a frame until it is complete, up to its incoming
 *       buffer size (4 MiB by default, whatever the endpoint's {@code maxMessageSize}), so anything
 *       below that was held in memory before the application could refuse it. The buffer is set to
 *       {@code presence.ws.max-frame-bytes} plus the largest frame header; a frame larger than that
 *       overflows it before more is read, and the endpoint closes the connection with 1009.
 * </ul>
 */
final class ContainerTuning {

  private static final Logger LOG = Logger.getLogger(ContainerTuning.class.getName());

  /** The servlet context attribute under which the container publishes its server container. */
  static final String SERVER_CONTAINER_ATTRIBUTE = ServerContainer.class.getName();

  /** Tyrus's per-connection read buffer parameter (its servlet upgrade handler). */
  static final String TYRUS_SERVLET_BUFFER = "org.glassfish.tyrus.servlet.incoming-buffer-size";

  /** The largest WebSocket frame header: 2 + 8 (64-bit length) + 4 (mask) bytes. */
  static final int MAX_FRAME_HEADER_BYTES = 14;

  /** What Tyrus says when a frame overflows its incoming buffer. */
  static final String TYRUS_BUFFER_OVERFLOW = "Buffer overflow.";

  private ContainerTuning() {}

  /**
   * Applies the settings to the application's WebSocket container.
   *
   * @param context the application's servlet context
   * @param maxFrameBytes {@code presence.ws.max-frame-bytes}
   * @param idleBackstopMillis the container's default session idle timeout, positive
   * @param timers the scheduler Tyrus should use for idle timers
   * @return what was applied, one phrase each, for the log
   */
  static List<String> configure(
      ServletContext context,
      int maxFrameBytes,
      long idleBackstopMillis,
      ScheduledExecutorService timers) {
    List<String> applied = new ArrayList<>();
    int buffer = maxFrameBytes + MAX_FRAME_HEADER_BYTES;
    try {
      if (context.setInitParameter(TYRUS_SERVLET_BUFFER, Integer.toString(buffer))) {
        applied.add("read buffer " + buffer + " bytes per connection");
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "the servlet context refused an init parameter", e);
    }
    Object attribute = context.getAttribute(SERVER_CONTAINER_ATTRIBUTE);
    if (!(attribute instanceof ServerContainer container)) {
      LOG.warning("no WebSocket server container in the servlet context: /ws/v1 is not served");
      return applied;
    }
    container.setDefaultMaxSessionIdleTimeout(idleBackstopMillis);
    applied.add("idle timeout backstop " + idleBackstopMillis + " ms");
    try {
      Object engine = container.getClass().getMethod("getWebSocketEngine").invoke(container);
      Method set = engine.getClass().getMethod("setIncomingBufferSize", int.class);
      set.invoke(engine, buffer);
      applied.add("incoming frame buffer " + buffer + " bytes");
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(Level.FINE, "not Tyrus, or its incoming buffer cannot be set", e);
    }
    Field field = field(container.getClass(), "managedScheduledExecutorService");
    if (field != null && ScheduledExecutorService.class.isAssignableFrom(field.getType())) {
      try {
        field.setAccessible(true);
        field.set(container, timers);
        applied.add("idle timers on the application's scheduler");
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.log(
            Level.INFO,
            "Tyrus's idle-timer scheduler could not be replaced; every WebSocket frame pays for"
                + " re-arming its idle timer on the container's managed scheduler: "
                + e);
      }
    }
    return applied;
  }

  /**
   * Whether a transport error is the container refusing a frame over its incoming buffer.
   *
   * @param error what the container reported
   * @return true for Tyrus's buffer overflow
   */
  static boolean isFrameOverflow(Throwable error) {
    return error instanceof IllegalArgumentException
        && TYRUS_BUFFER_OVERFLOW.equals(error.getMessage());
  }

  private static @Nullable Field field(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        return c.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        // look further up
      }
    }
    return null;
  }
}
