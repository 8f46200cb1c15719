package dev.presence.web.http;

import dev.presence.web.auth.DevModeFilter;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.json.Texts;
import dev.presence.web.ops.OperationMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.Method;
import java.util.logging.Logger;

/**
 * Every REST response: {@code X-Presence-Dev-Mode: true} in development mode, {@code Cache-Control:
 * no-store} unless the resource set its own, and the request's latency recorded in {@link
 * OperationMetrics} under the resource method's name ({@code unmatched} for unknown paths).
 *
 * <p>A text body that cannot be encoded as UTF-8 (an unpaired surrogate) is never sent: the
 * container would print {@code ?} in its place. Input validation keeps such text out (SPEC 13.1),
 * so this is a server fault: the response becomes 500 {@code INTERNAL} and a warning is logged.
 */
@Provider
@PreMatching
@ApplicationScoped
public class ResponseHeadersFilter implements ContainerRequestFilter, ContainerResponseFilter {

  private static final String START = ResponseHeadersFilter.class.getName() + ".start";
  private static final Logger LOG = Logger.getLogger(ResponseHeadersFilter.class.getName());

  @Inject PresenceConfig config;
  @Inject OperationMetrics metrics;
  @Context ResourceInfo resourceInfo;

  @Override
  public void filter(ContainerRequestContext request) {
    request.setProperty(START, System.nanoTime());
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    refuseUnencodable(response);
    if (config.devMode()) {
      response.getHeaders().putSingle(DevModeFilter.HEADER, "true");
    }
    if (!response.getHeaders().containsKey(HttpHeaders.CACHE_CONTROL)) {
      response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
    }
    if (request.getProperty(START) instanceof Long start) {
      Method method = resourceInfo == null ? null : resourceInfo.getResourceMethod();
      String operation = method == null ? "unmatched" : method.getName();
      metrics.recordRequest(operation, response.getStatus(), System.nanoTime() - start);
    }
  }

  /**
   * Replaces a text body that cannot be encoded as UTF-8 with the 500 {@code INTERNAL} error.
   *
   * @param response the response
   * @return whether the body was replaced
   */
  static boolean refuseUnencodable(ContainerResponseContext response) {
    if (!(response.getEntity() instanceof String body) || Texts.isWellFormed(body)) {
      return false;
    }
    LOG.warning(
        "a response body held text that cannot be encoded as UTF-8 (an unpaired surrogate);"
            + " answered 500 instead");
    ErrorMapping internal = ErrorMapping.of(new IllegalStateException("unencodable response"));
    response.setStatus(internal.status());
    response.setEntity(
        internal.body().toString(),
        response.getEntityAnnotations(),
        MediaType.APPLICATION_JSON_TYPE);
    response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
    return true;
  }
}
