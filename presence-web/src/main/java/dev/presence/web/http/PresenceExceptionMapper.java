package dev.presence.web.http;

import dev.presence.PresenceException;
import dev.presence.web.ops.RateLimitedLog;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one exception mapper of the REST API: every failure, {@link PresenceException}s and JAX-RS's
 * own errors (unknown path, wrong method, ...) alike, becomes the error body of the specification
 * (see {@link ErrorMapping} for the statuses and codes). Unexpected failures are logged with their
 * stack trace; clients never see one. Refused client input is logged as one short line at most
 * every ten seconds, never with a stack trace ({@link RateLimitedLog#clientErrors()}).
 */
@Provider
public class PresenceExceptionMapper implements ExceptionMapper<Throwable> {

  private static final Logger LOG = Logger.getLogger(PresenceExceptionMapper.class.getName());

  @Override
  public Response toResponse(Throwable exception) {
    ErrorMapping m = ErrorMapping.of(exception);
    if (m.unexpected()) {
      LOG.log(Level.WARNING, "request failed unexpectedly", exception);
    } else {
      RateLimitedLog.clientErrors().log("REST " + m.status() + " " + m.code() + ": " + m.message());
    }
    Response.ResponseBuilder r =
        Response.status(m.status())
            .type(MediaType.APPLICATION_JSON_TYPE)
            .header(HttpHeaders.CACHE_CONTROL, "no-store")
            .entity(m.body().toString());
    if (m.retryAfterSeconds() != null) {
      r.header(HttpHeaders.RETRY_AFTER, m.retryAfterSeconds());
    }
    if (m.allow() != null) {
      r.header(HttpHeaders.ALLOW, m.allow());
    }
    if (m.status() == 401) {
      r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    return r.build();
  }
}
