package dev.presence.web.ops;

import dev.presence.web.engine.PresenceEngine;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Health checks (SPEC 12), in the shape of MicroProfile Health:
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"UP"}} while the application runs, 503
 *       {@code {"status":"DOWN"}} once the presence store has failed for good ({@link
 *       PresenceEngine#isFailed()}: for example Hazelcast's out-of-memory handler terminated the
 *       member), so that an orchestrator restarts the node; an outage that can end by itself does
 *       not make it DOWN;
 *   <li>{@code GET /health/ready}: 200 {@code {"status":"UP"}} when the presence store can be
 *       reached, else 503 {@code {"status":"DOWN"}};
 *   <li>{@code GET /health}: both, with a {@code checks} list; 503 if either is DOWN.
 * </ul>
 *
 * <p>On Payara Micro these paths shadow the server's own MicroProfile Health endpoint.
 */
@WebServlet(urlPatterns = {"/health", "/health/live", "/health/ready"})
public class HealthServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(HealthServlet.class.getName());

  @Inject transient PresenceEngine engine;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Answer answer = answer(req.getServletPath(), this::live, this::ready);
    resp.setStatus(answer.status());
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.getWriter().write(answer.body());
  }

  /** A health answer: the HTTP status and the JSON body. */
  record Answer(int status, String body) {}

  /**
   * The answer for a path; asks only the checks the path needs.
   *
   * @param servletPath {@code /health}, {@code /health/live} or {@code /health/ready}
   * @param live whether the node can still serve at all
   * @param ready whether the presence store can be reached now
   * @return the answer
   */
  static Answer answer(String servletPath, BooleanSupplier live, BooleanSupplier ready) {
    if (servletPath.endsWith("/live")) {
      return single(live.getAsBoolean());
    }
    if (servletPath.endsWith("/ready")) {
      return single(ready.getAsBoolean());
    }
    boolean isLive = live.getAsBoolean();
    boolean isReady = ready.getAsBoolean();
    return new Answer(
        isLive && isReady ? 200 : 503,
        "{\"status\":\""
            + status(isLive && isReady)
            + "\",\"checks\":[{\"name\":\"live\",\"status\":\""
            + status(isLive)
            + "\"},{\"name\":\"presence-store\",\"status\":\""
            + status(isReady)
            + "\"}]}");
  }

  private static Answer single(boolean up) {
    return new Answer(up ? 200 : 503, "{\"status\":\"" + status(up) + "\"}");
  }

  private static String status(boolean up) {
    return up ? "UP" : "DOWN";
  }

  private boolean live() {
    try {
      return !engine.isFailed();
    } catch (RuntimeException e) {
      // The engine could not be asked: nothing says the store failed for good.
      LOG.log(Level.FINE, "liveness check failed", e);
      return true;
    }
  }

  private boolean ready() {
    try {
      return engine.isAvailable();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "readiness check failed", e);
      return false;
    }
  }
}
