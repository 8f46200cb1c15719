package dev.presence.web.websocket;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Refuses a WebSocket handshake ({@code Upgrade} header) on {@code /ws/*} whose {@code Origin} is
 * not in {@code presence.ws.allowed-origins} with 403 {@code FORBIDDEN} (SPEC 13.2), before the
 * container's WebSocket implementation sees it. The JSON body is the error page's ({@code
 * dev.presence.web.http.ErrorServlet}, web.xml), as for the container's own errors.
 *
 * <p>Containers install their WebSocket upgrade as a filter mapped after the application's (Tyrus,
 * Undertow), so this one runs first on both. Tyrus would refuse such a handshake with 403 itself
 * ({@link HandshakeConfigurator#checkOrigin}); Undertow treats a refused origin as "not a
 * handshake" and passes the request on to the servlet chain, where it ended as 404. The
 * configurator's check stays for containers that run their upgrade before any filter.
 */
@WebFilter(filterName = "WebSocketOriginFilter", urlPatterns = "/ws/*", asyncSupported = true)
public class WebSocketOriginFilter extends HttpFilter {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (req.getHeader("Upgrade") != null
        && !HandshakeConfigurator.originAllowed(req.getHeader("Origin"))) {
      res.sendError(HttpServletResponse.SC_FORBIDDEN);
      return;
    }
    chain.doFilter(req, res);
  }
}
