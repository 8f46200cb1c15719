package dev.presence.web.http;

import dev.presence.ErrorCode;
import dev.presence.PresenceException;
import dev.presence.RateLimitedException;
import jakarta.json.JsonObject;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a failure becomes an HTTP error (SPEC 4.4): the status, the code and the message of the body
 * {@code {"error":{"code","message"}}}, and the headers that go with it.
 *
 * <p>Decisions beyond the specification's table:
 *
 * <ul>
 *   <li>{@link PresenceException}s map by their {@link ErrorCode}, with their message (presence
 *       messages are written for clients).
 *   <li>JAX-RS's own errors keep their HTTP status: an unknown path stays 404, a wrong method 405
 *       (with {@code Allow}), 406, 415 and other 4xx statuses likewise, all with code {@code
 *       INVALID_ARGUMENT}: the request itself is wrong, and clients only ever see the codes of the
 *       specification. 401, 403, 413, 429 and 503 map to their codes of the table. A body that is
 *       not {@code application/json} ({@link UnsupportedMediaTypeException}, SPEC 13.1) is 415
 *       {@code INVALID_ARGUMENT} likewise.
 *   <li>Anything unexpected (a bug) is 500 with code {@code INTERNAL} and a fixed message, the one
 *       code outside the specification's table, since none of its codes is true of it. The
 *       exception is logged; no class name, stack trace or server detail reaches the client.
 * </ul>
 *
 * @param status the HTTP status
 * @param code the error code
 * @param message the message for the client
 * @param retryAfterSeconds the {@code Retry-After} value, or null
 * @param allow the {@code Allow} header of a 405, or null
 * @param unexpected whether the failure is unexpected and should be logged as a problem
 */
public record ErrorMapping(
    int status,
    String code,
    String message,
    @Nullable Long retryAfterSeconds,
    @Nullable String allow,
    boolean unexpected) {

  /** The code of unexpected server failures. */
  public static final String INTERNAL = "INTERNAL";

  /**
   * Maps a failure.
   *
   * @param t the failure
   * @return the mapping
   */
  public static ErrorMapping of(Throwable t) {
    if (t instanceof PresenceException e) {
      ErrorCode code = e.code();
      String message = e.getMessage() == null ? code.name() : e.getMessage();
      Long retryAfter = null;
      if (e instanceof RateLimitedException r) {
        retryAfter = retryAfterSeconds(r.retryAfter());
      }
      return new ErrorMapping(code.httpStatus(), code.name(), message, retryAfter, null, false);
    }
    if (t instanceof UnsupportedMediaTypeException e) {
      return invalid(415, String.valueOf(e.getMessage()));
    }
    if (t instanceof WebApplicationException e) {
      return ofStatus(e.getResponse().getStatus(), e.getResponse().getHeaderString("Allow"));
    }
    if (t instanceof ProcessingException || t instanceof IOException) {
      return new ErrorMapping(
          400,
          ErrorCode.INVALID_ARGUMENT.name(),
          "the request could not be read",
          null,
          null,
          false);
    }
    return new ErrorMapping(
        500, INTERNAL, "the server failed to process the request", null, null, true);
  }

  /**
   * Maps an HTTP status that JAX-RS or the container chose.
   *
   * @param status the status
   * @param allow the {@code Allow} header, or null
   * @return the mapping
   */
  static ErrorMapping ofStatus(int status, @Nullable String allow) {
    return switch (status) {
      case 401 -> known(ErrorCode.UNAUTHENTICATED, "authentication is required");
      case 403 -> known(ErrorCode.FORBIDDEN, "this request is not allowed");
      case 404 -> invalid(404, "there is no such resource; see /openapi for the API");
      case 405 ->
          new ErrorMapping(
              405,
              ErrorCode.INVALID_ARGUMENT.name(),
              "this method is not allowed here" + (allow == null ? "" : "; allowed: " + allow),
              null,
              allow,
              false);
      case 406 -> invalid(406, "the response can only be application/json");
      case 413 -> known(ErrorCode.TOO_LARGE, "the request is too large");
      case 415 -> invalid(415, "the request body must be sent with Content-Type: application/json");
      case 429 -> known(ErrorCode.RATE_LIMITED, "too many requests; try again later");
      case 503 ->
          known(ErrorCode.UNAVAILABLE, "the service is unavailable at the moment; try again later");
      default -> {
        if (status >= 400 && status < 500) {
          yield invalid(status, "the request is not valid");
        }
        yield new ErrorMapping(
            500, INTERNAL, "the server failed to process the request", null, null, status >= 500);
      }
    };
  }

  /**
   * Whole seconds to wait, rounded up, at least 1.
   *
   * @param d the duration
   * @return the seconds
   */
  public static long retryAfterSeconds(Duration d) {
    long ms = Math.max(0, d.toMillis());
    return Math.max(1, (ms + 999) / 1000);
  }

  /**
   * The response body.
   *
   * @return {@code {"error":{"code","message"}}}
   */
  public JsonObject body() {
    return dev.presence.web.json.PresenceJson.error(code, message);
  }

  /**
   * Answers a request with this error from a filter, before the application handles it: the status,
   * the JSON body, {@code Cache-Control: no-store} and {@code Retry-After} when set.
   *
   * @param res the response, not yet committed
   * @throws IOException if the body cannot be written
   */
  public void writeTo(HttpServletResponse res) throws IOException {
    res.setStatus(status);
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.setHeader("Cache-Control", "no-store");
    if (retryAfterSeconds != null) {
      res.setHeader("Retry-After", Long.toString(retryAfterSeconds));
    }
    byte[] bytes = body().toString().getBytes(StandardCharsets.UTF_8);
    res.setContentLength(bytes.length);
    res.getOutputStream().write(bytes);
  }

  /**
   * The error of a specification code, with its status.
   *
   * @param code the code
   * @param message the message for the client
   * @return the mapping
   */
  public static ErrorMapping known(ErrorCode code, String message) {
    return new ErrorMapping(code.httpStatus(), code.name(), message, null, null, false);
  }

  private static ErrorMapping invalid(int status, String message) {
    return new ErrorMapping(status, ErrorCode.INVALID_ARGUMENT.name(), message, null, null, false);
  }
}
