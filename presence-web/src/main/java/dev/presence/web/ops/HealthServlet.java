package dev.presence.web.ops;

import dev.presence.web.engine.PresenceEngine;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Health checks (SPEC 12), in the shape of MicroProfile Health:
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"UP"}} while the application runs;
 *   <li>{@code GET /health/ready}: 200 {@code {"status":"UP"}} when the presence store can be
 *       reached, else 503 {@code {"status":"DOWN"}};
 *   <li>{@code GET /health}: both, with a {@code checks} list; 503 if not ready.
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
    String path = req.getServletPath();
    String body;
    boolean up;
    if (path.endsWith("/live")) {
      up = true;
      body = "{\"status\":\"UP\"}";
    } else {
      boolean ready = ready();
      up = ready;
      String status = ready ? "UP" : "DOWN";
      if (path.endsWith("/ready")) {
        body = "{\"status\":\"" + status + "\"}";
      } else {
        body =
            "{\"status\":\""
                + status
                + "\",\"checks\":[{\"name\":\"live\",\"status\":\"UP\"},"
                + "{\"name\":\"presence-store\",\"status\":\""
                + status
                + "\"}]}";
      }
    }
    resp.setStatus(up ? 200 : 503);
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.getWriter().write(body);
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
