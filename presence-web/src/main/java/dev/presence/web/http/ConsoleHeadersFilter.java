package dev.presence.web.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The operator console's pages ({@code /console/}, SPEC 13.4) get headers that keep injected or
 * framed content from acting with the operator's token: a Content-Security-Policy that runs only
 * the console's own scripts and styles, loads nothing from elsewhere and connects only to this
 * origin (REST, {@code /metrics} and the WebSocket); no framing ({@code frame-ancestors 'none'},
 * {@code X-Frame-Options: DENY}), so the kick button cannot be clickjacked; no MIME sniffing; no
 * referrer. The console never builds HTML from data (it sets text), so these are a second line of
 * defence.
 */
@WebFilter(urlPatterns = "/console/*")
public class ConsoleHeadersFilter extends HttpFilter {

  /** The policy of every console response. */
  public static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final long serialVersionUID = 1L;

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    chain.doFilter(req, res);
  }
}
