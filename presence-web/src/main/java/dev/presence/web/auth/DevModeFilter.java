package dev.presence.web.auth;

import dev.presence.web.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * In development mode, sets {@code X-Presence-Dev-Mode: true} on every HTTP response of the
 * application (REST, SSE, health, metrics, static files, and the WebSocket handshake), before the
 * request is handled.
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class DevModeFilter extends HttpFilter {

  /** The header's name. */
  public static final String HEADER = "X-Presence-Dev-Mode";

  private static final long serialVersionUID = 1L;

  @Inject transient PresenceConfig config;

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (config.devMode()) {
      res.setHeader(HEADER, "true");
    }
    chain.doFilter(req, res);
  }
}
