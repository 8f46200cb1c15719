package dev.presence.web.http;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;

/**
 * The JAX-RS application at {@code /api/v1}. Resources and providers are found by scanning the WAR:
 * the REST resources of {@code dev.presence.web.rest}, the Server-Sent Events resource of {@code
 * dev.presence.web.sse}, and the providers of this package.
 *
 * <p>Jersey's WADL is off ({@link #WADL_DISABLED}): {@code /api/v1/application.wadl} is a 404 like
 * any unknown path, and {@code OPTIONS} answers with {@code Allow} and no body instead of a WADL
 * document naming the Jersey version (issue #10). The API is described at {@code /openapi}.
 */
@ApplicationPath("/api/v1")
public class RestApplication extends Application {

  /** Jersey's property that turns the WADL off. */
  static final String WADL_DISABLED = "jersey.config.server.wadl.disableWadl";

  @Override
  public Map<String, Object> getProperties() {
    return Map.of(WADL_DISABLED, true);
  }
}
