package dev.presence.web.http;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import org.jspecify.annotations.Nullable;

/**
 * Refuses every {@code /api/v1} request whose path holds matrix parameters ({@code ;name=value}),
 * before it is matched to a resource (SPEC 13.1): JAX-RS would otherwise drop them from the path
 * parameters, so that {@code PUT /channels/semi;x=1/users/u} joined channel {@code semi}. The
 * refusal is 400 {@code INVALID_ARGUMENT} through the one exception mapper.
 *
 * <p>The servlet container takes one path parameter out of the path before JAX-RS sees it: {@code
 * ;jsessionid=...} becomes the requested session id (Payara then also drops the rest of the path
 * after it, so {@code /channels/c;jsessionid=x/users/u} arrived as {@code /channels/c}). The API
 * has no sessions, so a session id requested in the URL is refused the same way.
 */
@Provider
@PreMatching
public class MatrixParameterFilter implements ContainerRequestFilter {

  @Context @Nullable HttpServletRequest servletRequest;

  @Override
  public void filter(ContainerRequestContext request) {
    String raw = request.getUriInfo().getRequestUri().getRawPath();
    if (raw != null) {
      Requests.noMatrixParameters(raw);
    }
    HttpServletRequest servlet = servletRequest;
    if (servlet != null && servlet.isRequestedSessionIdFromURL()) {
      Requests.noMatrixParameters(";jsessionid");
    }
  }
}
