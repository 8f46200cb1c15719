package dev.presence.web.http;

import dev.presence.spi.Caller;
import dev.presence.web.auth.TokenVerifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates every request to an {@link Authenticated} resource, after it was matched to its
 * resource method and before the method runs: the token of {@code Authorization: Bearer} (or of
 * {@code ?access_token=} where {@link Authenticated#queryToken()} allows it) is verified with
 * {@link Requests#authenticate}, the path {@code RequestBodyFilter} takes for requests with a body,
 * and the caller is handed to {@link ApiRequest}. Without a valid token the request is refused with
 * 401 {@code UNAUTHENTICATED} (through the one exception mapper) and the method never runs.
 *
 * <p>What clients see comes in this order: the pre-matching checks (matrix parameters, 400), then
 * matching (unknown path 404, wrong method 405, 406), then this filter (401), then, in the resource
 * method, the ids and parameters (400) and the authorization (403).
 */
@Provider
@Authenticated
@Priority(Priorities.AUTHENTICATION)
@ApplicationScoped
public class AuthenticationFilter implements ContainerRequestFilter {

  /** The query parameter that may carry the token (see {@link Authenticated#queryToken()}). */
  public static final String ACCESS_TOKEN = "access_token";

  @Inject TokenVerifier verifier;
  @Inject ApiRequest request;
  @Context ResourceInfo resourceInfo;

  @Override
  public void filter(ContainerRequestContext context) {
    request.authenticated(authenticate(context, verifier, queryToken(resourceInfo)));
  }

  /**
   * Verifies the token of a request, as the {@code @HeaderParam} and {@code @QueryParam} of a
   * resource method would read it (the first value of each).
   *
   * @param context the request
   * @param verifier the token verifier
   * @param queryToken whether {@code ?access_token=} is accepted
   * @return the caller
   * @throws dev.presence.UnauthenticatedException if there is no valid token
   */
  static Caller authenticate(
      ContainerRequestContext context, TokenVerifier verifier, boolean queryToken) {
    String authorization = context.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    String accessToken =
        queryToken ? context.getUriInfo().getQueryParameters().getFirst(ACCESS_TOKEN) : null;
    return Requests.authenticate(verifier, authorization, accessToken);
  }

  /**
   * Whether the matched resource accepts {@code ?access_token=}: its method's {@link
   * Authenticated}, or else its class's.
   *
   * @param info the matched resource, or null
   * @return true if the token may come in the query
   */
  static boolean queryToken(@Nullable ResourceInfo info) {
    if (info == null) {
      return false;
    }
    Method method = info.getResourceMethod();
    Authenticated a = method == null ? null : method.getAnnotation(Authenticated.class);
    if (a == null && info.getResourceClass() != null) {
      a = info.getResourceClass().getAnnotation(Authenticated.class);
    }
    return a != null && a.queryToken();
  }
}
