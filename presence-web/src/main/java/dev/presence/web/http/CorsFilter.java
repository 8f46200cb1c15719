package dev.presence.web.http;

import dev.presence.ErrorCode;
import dev.presence.web.auth.DevModeFilter;
import dev.presence.web.config.AllowedOrigins;
import dev.presence.web.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Cross-origin resource sharing (CORS) for browsers on other origins.
 *
 * <ul>
 *   <li>{@code /presence.js} and {@code /presence.d.ts} are always served with {@code
 *       Access-Control-Allow-Origin: *}, so a page anywhere can {@code import} the client.
 *   <li>The REST API and Server-Sent Events ({@code /api/*}) answer browsers on the origins of
 *       {@code presence.http.cors.allowed-origins}: a preflight ({@code OPTIONS} with {@code
 *       Origin} and {@code Access-Control-Request-Method}) is answered 204 with the allowed methods
 *       ({@code GET, POST, PUT, DELETE, OPTIONS}), headers ({@code Authorization, Content-Type})
 *       and {@code Access-Control-Max-Age}; other requests get {@code Access-Control-Allow-Origin}
 *       (the request's origin, or {@code *} when every origin is allowed) and {@code
 *       Access-Control-Expose-Headers: Retry-After, X-Presence-Dev-Mode}. A preflight from an
 *       origin not listed is answered 403 {@code FORBIDDEN}; other requests from it get no CORS
 *       headers, so the browser keeps the response from the page. Every {@code /api/*} response
 *       carries {@code Vary: Origin} while the key is set.
 * </ul>
 *
 * <p>Credentials are bearer tokens in the {@code Authorization} header, never cookies, so {@code
 * Access-Control-Allow-Credentials} is never sent.
 *
 * <p>web.xml maps the filter again (same patterns) so that it runs before the other filters, whose
 * order the annotations leave open: errors answered by {@code
 * dev.presence.web.rest.RequestBodyFilter} carry the headers.
 */
@WebFilter(
    filterName = "CorsFilter",
    urlPatterns = {"/api/*", "/presence.js", "/presence.d.ts"},
    asyncSupported = true)
public class CorsFilter extends HttpFilter {

  /** How long a browser may cache a preflight answer, in seconds. */
  static final int MAX_AGE_SECONDS = 600;

  static final String ALLOW_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
  static final String ALLOW_HEADERS = "Authorization, Content-Type";
  static final String EXPOSE_HEADERS = "Retry-After, " + DevModeFilter.HEADER;

  private static final long serialVersionUID = 1L;

  @Inject transient PresenceConfig config;

  /**
   * What the filter does with one request.
   *
   * @param headers response headers to set
   * @param error when not null, the request is answered with this error and goes no further
   * @param done when true (and no error), the request is answered 204 and goes no further
   */
  record Answer(Map<String, String> headers, @Nullable ErrorMapping error, boolean done) {
    Answer {
      headers = Map.copyOf(headers);
    }
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    Answer a =
        answer(
            config.corsAllowedOrigins(),
            req.getMethod(),
            req.getServletPath(),
            req.getHeader("Origin"),
            req.getHeader("Access-Control-Request-Method"));
    a.headers().forEach(res::setHeader);
    ErrorMapping error = a.error();
    if (error != null) {
      error.writeTo(res);
    } else if (a.done()) {
      res.setStatus(HttpServletResponse.SC_NO_CONTENT);
    } else {
      chain.doFilter(req, res);
    }
  }

  /**
   * Decides the CORS headers of a request.
   *
   * @param allowed the origins allowed to call {@code /api/*}
   * @param method the request method
   * @param servletPath the request's path inside the application
   * @param origin the {@code Origin} header, or null
   * @param requestMethod the {@code Access-Control-Request-Method} header, or null
   * @return what to do
   */
  static Answer answer(
      AllowedOrigins allowed,
      String method,
      String servletPath,
      @Nullable String origin,
      @Nullable String requestMethod) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (!servletPath.startsWith("/api")) {
      headers.put("Access-Control-Allow-Origin", "*");
      return new Answer(headers, null, false);
    }
    if (allowed.equals(AllowedOrigins.NONE)) {
      return new Answer(headers, null, false);
    }
    headers.put("Vary", "Origin");
    if (origin == null) {
      return new Answer(headers, null, false);
    }
    boolean preflight = method.equals("OPTIONS") && requestMethod != null;
    if (!allowed.allows(origin)) {
      if (preflight) {
        return new Answer(
            headers,
            ErrorMapping.known(ErrorCode.FORBIDDEN, "origin not allowed: " + origin),
            false);
      }
      return new Answer(headers, null, false);
    }
    headers.put("Access-Control-Allow-Origin", allowed.any() ? "*" : origin);
    if (preflight) {
      headers.put("Access-Control-Allow-Methods", ALLOW_METHODS);
      headers.put("Access-Control-Allow-Headers", ALLOW_HEADERS);
      headers.put("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
      return new Answer(headers, null, true);
    }
    headers.put("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    return new Answer(headers, null, false);
  }
}
