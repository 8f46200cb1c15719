package dev.presence.web.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * Refuses every {@code /api/v1} request whose path holds matrix parameters ({@code ;name=value}),
 * before it is matched to a resource (SPEC 13.1): JAX-RS would otherwise drop them from the path
 * parameters, so that {@code PUT /channels/semi;x=1/users/u} joined channel {@code semi}. The
 * refusal is 400 {@code INVALID_ARGUMENT} through the one exception mapper.
 */
@Provider
@PreMatching
public class MatrixParameterFilter implements ContainerRequestFilter {

  @Override
  public void filter(ContainerRequestContext request) {
    String raw = request.getUriInfo().getRequestUri().getRawPath();
    if (raw != null) {
      Requests.noMatrixParameters(raw);
    }
  }
}
