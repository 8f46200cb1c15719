package dev.presence.web.websocket;

import jakarta.servlet.ServletContext;
import jakarta.websocket.CloseReason;
import jakarta.websocket.server.ServerContainer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
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
 *       below that was held in memory before the application could refuse it. Each read is set to
 *       at most {@code presence.ws.max-frame-bytes} plus the largest frame header, and the buffer
 *       to two such frames (a read may come on top of the start of the next frame: with one, a
 *       frame at the limit followed at once by another was refused on Payara 7). A larger frame
 *       overflows it before more is read, and the endpoint closes the connection with 1009; one
 *       between the limit and that is refused by {@link Connection} once complete, also 1009.
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

  /** Held here so that its level, once set, is not lost when the logger is collected. */
  private static final Logger TYRUS_ENDPOINT_LOG =
      Logger.getLogger("org.glassfish.tyrus.core.TyrusEndpointWrapper");

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
    int frame = maxFrameBytes + MAX_FRAME_HEADER_BYTES;
    // One read (at most a frame) can come on top of the rest of an earlier read that holds the
    // start of the next frame: the engine's buffer holds two frames, so a frame at the limit
    // followed at once by another is never refused. A larger frame overflows it.
    int buffer = 2 * frame;
    boolean readBuffer = false;
    try {
      readBuffer = context.setInitParameter(TYRUS_SERVLET_BUFFER, Integer.toString(frame));
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "the servlet context refused an init parameter", e);
    }
    Object attribute = context.getAttribute(SERVER_CONTAINER_ATTRIBUTE);
    if (!(attribute instanceof ServerContainer container)) {
      LOG.warning("no WebSocket server container in the servlet context: /ws/v1 is not served");
      return applied;
    }
    container.setDefaultMaxSessionIdleTimeout(idleBackstopMillis);
    if (container.getClass().getName().startsWith("org.glassfish.tyrus.")) {
      // Reported for Tyrus only: other containers (Undertow) ignore the parameter.
      if (readBuffer) {
        applied.add("read buffer " + frame + " bytes per connection");
      }
      TYRUS_ENDPOINT_LOG.setLevel(Level.SEVERE);
      applied.add("Tyrus's per-connection error warnings off");
    }
    applied.add("idle timeout backstop " + idleBackstopMillis + " ms");
    try {
      Object engine = publicMethod(container.getClass(), "getWebSocketEngine").invoke(container);
      publicMethod(engine.getClass(), "setIncomingBufferSize", int.class).invoke(engine, buffer);
      applied.add("incoming frame buffer " + buffer + " bytes");
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(
          Level.INFO,
          "the WebSocket container's incoming buffer could not be sized (not Tyrus?); frames up to"
              + " its own limit are buffered before presence.ws.max-frame-bytes is checked: "
              + e);
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
   * Whether a close is Tyrus refusing a frame over its incoming buffer: it closes with 1011 and
   * {@value #TYRUS_BUFFER_OVERFLOW}, and does not tell the endpoint's {@code OnError}.
   *
   * @param reason the close reason the endpoint's {@code OnClose} received
   * @return true for Tyrus's buffer overflow
   */
  static boolean isFrameOverflow(CloseReason reason) {
    return reason.getCloseCode().getCode() == CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode()
        && TYRUS_BUFFER_OVERFLOW.equals(reason.getReasonPhrase());
  }

  /**
   * Turns Tyrus's close for a frame over its buffer into the close SPEC 5 asks for (1009), before
   * Tyrus sends it: Tyrus calls the endpoint's {@code OnClose} with the reason object first and
   * writes the close frame from the same object afterwards. The reason is changed in place
   * (reflectively: {@link CloseReason} is immutable by its API); if that fails the client gets
   * Tyrus's 1011.
   *
   * @param reason the close reason the endpoint's {@code OnClose} received
   * @param code the code to send instead
   * @param phrase the reason phrase to send instead, at most 123 UTF-8 bytes
   * @return true if the reason was changed
   */
  static boolean rewrite(CloseReason reason, CloseReason.CloseCode code, String phrase) {
    try {
      Field codeField = CloseReason.class.getDeclaredField("closeCode");
      Field phraseField = CloseReason.class.getDeclaredField("reasonPhrase");
      codeField.setAccessible(true);
      phraseField.setAccessible(true);
      codeField.set(reason, code);
      phraseField.set(reason, phrase);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(Level.FINE, "the close reason could not be changed", e);
      return false;
    }
  }

  /**
   * A public method as declared by a public class or interface of the type's hierarchy: the
   * container's classes are often private nested classes, whose own {@link Method} objects cannot
   * be invoked from here.
   */
  private static Method publicMethod(Class<?> type, String name, Class<?>... parameters)
      throws NoSuchMethodException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (Modifier.isPublic(c.getModifiers())) {
        try {
          return c.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
          // look further up
        }
      }
      for (Class<?> i : c.getInterfaces()) {
        if (Modifier.isPublic(i.getModifiers())) {
          try {
            return i.getMethod(name, parameters);
          } catch (NoSuchMethodException e) {
            // look further
          }
        }
      }
    }
    throw new NoSuchMethodException(type.getName() + "." + name);
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
