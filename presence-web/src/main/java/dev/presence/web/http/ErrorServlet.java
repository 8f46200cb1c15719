package dev.presence.web.http;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The error page of the whole web application (the {@code <error-page>} mappings of {@code
 * web.xml}): whatever the web container answers with an error status outside JAX-RS (an unknown
 * path outside {@code /api/v1}, a static file that is not there, a servlet that failed, a request
 * the container refused after handing it to the application) gets the body of SPEC 4.4, {@code
 * {"error":{"code","message"}}}, with the status and code of {@link ErrorMapping}, and never a
 * stack trace, class name or server version.
 *
 * <p>The status comes from {@code jakarta.servlet.error.status_code}; a failure in {@code
 * jakarta.servlet.error.exception} is mapped like one of JAX-RS (an unexpected one is logged here
 * and answered 500 {@code INTERNAL}). The {@code Allow} header of a 405, if the container set one,
 * is kept and named in the message. A request whose method is not an HTTP token ({@code G(T}),
 * which Payara answers 500, is 400. Requested directly (no error attributes), the path answers 404.
 */
@WebServlet(urlPatterns = ErrorServlet.PATH)
public class ErrorServlet extends HttpServlet {

  /** The servlet's path, the location of the error pages. */
  public static final String PATH = "/error";

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(ErrorServlet.class.getName());

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ErrorMapping m = mapping(req, resp.getHeader("Allow"));
    if (m.unexpected()) {
      if (req.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t) {
        LOG.log(Level.WARNING, "request failed unexpectedly", t);
      } else {
        LOG.log(
            Level.WARNING,
            "the container answered a request with status {0}",
            req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE));
      }
    }
    if (resp.isCommitted()) {
      return;
    }
    resp.resetBuffer();
    resp.setStatus(m.status());
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    if (m.allow() != null) {
      resp.setHeader("Allow", m.allow());
    }
    if (m.retryAfterSeconds() != null) {
      resp.setHeader("Retry-After", String.valueOf(m.retryAfterSeconds()));
    }
    if (m.status() == 401) {
      resp.setHeader("WWW-Authenticate", "Bearer");
    }
    byte[] body = m.body().toString().getBytes(StandardCharsets.UTF_8);
    resp.setContentLength(body.length);
    if (!"HEAD".equals(req.getMethod())) {
      resp.getOutputStream().write(body);
    }
  }

  /**
   * The error of a request, from the container's error attributes.
   *
   * @param req the error dispatch (or a direct request)
   * @param allow the {@code Allow} header already set, or null
   * @return the mapping
   */
  static ErrorMapping mapping(HttpServletRequest req, @Nullable String allow) {
    if (!isToken(req.getMethod())) {
      return ErrorMapping.ofStatus(400, null);
    }
    Object failure = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    if (failure instanceof Throwable t) {
      return ErrorMapping.of(t);
    }
    Object status = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    if (status instanceof Integer s && s >= 400) {
      return ErrorMapping.ofStatus(s, allow);
    }
    return ErrorMapping.ofStatus(404, null);
  }

  /**
   * Whether a method is an HTTP token (RFC 9110 5.6.2). Payara hands a request line such as {@code
   * G(T /path HTTP/1.1} to the application and answers it 500; it is the client's fault.
   */
  static boolean isToken(@Nullable String method) {
    if (method == null || method.isEmpty()) {
      return false;
    }
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
