package dev.presence.web.rest;

import dev.presence.UserId;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.http.ApiRequest;
import dev.presence.web.http.Authenticated;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code DELETE /api/v1/users/{userId}/connections} (SPEC 13.4), for callers with the {@code
 * presence-admin} role (403 {@code FORBIDDEN} otherwise; a malformed id is a 400 first).
 */
@Path("users/{userId}/connections")
@Authenticated
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class UserConnectionsResource {

  @Inject PresenceEngine engine;
  @Inject ApiRequest request;

  /**
   * {@code DELETE /api/v1/users/{userId}/connections}: asks every node to close every WebSocket
   * connection of the user (close code 4003) and to end the user's event streams. Answers 204 once
   * the signal is sent; nodes close asynchronously, and a node that cannot be reached then misses
   * it.
   *
   * @param userId the user
   * @return 204
   */
  @DELETE
  public Response closeConnections(@PathParam("userId") String userId) {
    UserId u = request.user(userId);
    request.authorizeAdmin();
    engine.closeConnections(u);
    return Response.noContent().build();
  }
}
