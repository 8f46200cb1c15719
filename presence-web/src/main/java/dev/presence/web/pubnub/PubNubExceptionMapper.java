package dev.presence.web.pubnub;

import dev.presence.PresenceException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every failure under {@code /v2} in PubNub's error shape: ours with their status, the container's
 * (404 unknown path, 405 wrong method, 400 unreadable parameter) with theirs, anything else 500
 * logged here, never a stack trace to the client. Registered by {@link PubNubApplication} only.
 */
public class PubNubExceptionMapper implements ExceptionMapper<Throwable> {

  private static final Logger LOG = Logger.getLogger(PubNubExceptionMapper.class.getName());

  @Override
  public Response toResponse(Throwable t) {
    if (t instanceof PubNubException e) {
      return PubNubApplication.error(e);
    }
    if (t instanceof PresenceException e) {
      return PubNubApplication.error(PubNubException.of(e, List.of()));
    }
    if (t instanceof WebApplicationException w) {
      int status = w.getResponse().getStatus();
      String message =
          switch (status) {
            case 404 ->
                "Not Found: this server speaks only PubNub's presence operations (no history,"
                    + " channel groups, objects or files)";
            case 405 -> "Method Not Allowed: PubNub presence calls are GET";
            default -> status >= 500 ? "Internal Server Error" : "Bad Request";
          };
      return PubNubApplication.error(new PubNubException(status, message, "Presence", List.of()));
    }
    LOG.log(Level.WARNING, "a PubNub request failed", t);
    return PubNubApplication.error(
        new PubNubException(500, "Internal Server Error", "Presence", List.of()));
  }
}
