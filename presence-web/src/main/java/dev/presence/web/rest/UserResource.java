package dev.presence.web.rest;

import dev.presence.PresenceService;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.Caller;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.http.Requests;
import dev.presence.web.json.PresenceJson;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jspecify.annotations.Nullable;

/** {@code GET /api/v1/users/{userId}/channels}: the channels a user is present in (SPEC 4.1). */
@Path("users/{userId}/channels")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

  @Inject PresenceService presence;
  @Inject TokenVerifier verifier;
  @Inject AccessControl access;
  @Inject PresenceConfig config;

  /**
   * The user's channels: {@code {"userId","channels":[...]}}.
   *
   * @param userId the user
   * @param authorization the Authorization header
   * @return the channels
   */
  @GET
  public Response userChannels(
      @PathParam("userId") String userId,
      @HeaderParam(HttpHeaders.AUTHORIZATION) @Nullable String authorization) {
    Caller caller = Requests.authenticate(verifier, authorization, null);
    UserId u = Requests.user(userId, config.limits());
    access.check(caller, Action.READ, null, u);
    return ChannelResource.json(PresenceJson.userChannels(u, presence.userChannels(u)).toString());
  }
}
