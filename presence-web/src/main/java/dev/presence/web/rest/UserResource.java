package dev.presence.web.rest;

import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.web.engine.PrecheckedPresence;
import dev.presence.web.http.ApiRequest;
import dev.presence.web.http.Authenticated;
import dev.presence.web.json.PresenceJson;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /api/v1/users/{userId}/channels}: the channels a user is present in (SPEC 4.1). */
@Path("users/{userId}/channels")
@Authenticated
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

  @Inject PrecheckedPresence presence;
  @Inject ApiRequest request;

  /**
   * The user's channels: {@code {"userId","channels":[...]}}.
   *
   * @param userId the user
   * @return the channels
   */
  @GET
  public Response userChannels(@PathParam("userId") String userId) {
    UserId u = request.user(userId);
    request.authorize(Action.READ, null, u);
    return ChannelResource.json(PresenceJson.userChannels(u, presence.userChannels(u)).toString());
  }
}
