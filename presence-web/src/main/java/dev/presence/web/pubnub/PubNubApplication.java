package dev.presence.web.pubnub;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Set;

/**
 * The JAX-RS application at {@code /v2}: PubNub's presence endpoints ({@link PubNubResource}) and
 * their error mapping ({@link PubNubExceptionMapper}), listed explicitly so that none of the {@code
 * /api/v1} providers (authentication by header, body limits, SPEC 4.4 errors) applies here. The
 * {@code /api/v1} application scans the WAR and so also sees {@link PubNubResource}; the resource
 * answers 404 there ({@link PubNubResource#BASE}).
 */
@ApplicationPath("/v2")
public class PubNubApplication extends Application {

  @Override
  public Set<Class<?>> getClasses() {
    return Set.of(PubNubResource.class, PubNubExceptionMapper.class);
  }

  @Override
  public Map<String, Object> getProperties() {
    return Map.of("jersey.config.server.wadl.disableWadl", true);
  }

  /** The response of a PubNub error: its status, PubNub's body, a JSON content type. */
  static Response error(PubNubException e) {
    return Response.status(e.status())
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(PubNubJson.error(e))
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*")
        .build();
  }
}
