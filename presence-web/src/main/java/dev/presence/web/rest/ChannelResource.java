package dev.presence.web.rest;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PageRequest;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.PrecheckedPresence;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.http.ApiRequest;
import dev.presence.web.http.Authenticated;
import dev.presence.web.http.Requests;
import dev.presence.web.json.PresenceJson;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The channel operations of SPEC 4.1 under {@code /api/v1/channels/{channel}}: occupancy, users
 * (cached, SPEC 4.3), join and leave (the implicit REST session, SPEC 4.2), and a user's
 * attributes.
 *
 * <p>Every request is authenticated first ({@code Authorization: Bearer <JWT>}, by {@link
 * dev.presence.web.http.AuthenticationFilter} before the method runs), then its ids and parameters
 * are checked ({@link ApiRequest}, once: the engine is called through {@link PrecheckedPresence},
 * which does not check them again), then it is authorized; only then is a body read. Join and leave
 * answer 204; reads and the attribute set answer 200 with JSON. Responses other than channel users
 * carry {@code Cache-Control: no-store}.
 */
@Path("channels/{channel}")
@Authenticated
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class ChannelResource {

  @Inject PrecheckedPresence presence;
  @Inject ApiRequest request;
  @Inject PresenceConfig config;
  @Inject ChannelUsersCache cache;
  @Inject PresenceEngine engine;

  /**
   * {@code GET /api/v1/channels/{channel}}: {@code {"channel","occupancy","seq"}}.
   *
   * @param channel the channel
   * @return the occupancy
   */
  @GET
  public Response occupancy(@PathParam("channel") String channel) {
    ChannelId c = request.channel(channel);
    request.authorize(Action.READ, c, null);
    return json(PresenceJson.occupancy(presence.occupancy(c)).toString());
  }

  /**
   * {@code GET /api/v1/channels/{channel}/users?limit=&cursor=&attributes=}: one page of the
   * channel's users, possibly from the cache.
   *
   * @param channel the channel
   * @param limit the page size (default and most 1000)
   * @param cursor the {@code next} of the previous page
   * @param attributes {@code false} to leave attributes out
   * @return the page
   */
  @GET
  @Path("users")
  public Response channelUsers(
      @PathParam("channel") String channel,
      @QueryParam("limit") @Nullable String limit,
      @QueryParam("cursor") @Nullable String cursor,
      @QueryParam("attributes") @Nullable String attributes) {
    ChannelId c = request.channel(channel);
    int size = Requests.limit(limit);
    String from = Requests.cursor(cursor);
    boolean withAttributes = Requests.flag(attributes, "attributes", true);
    request.authorize(Action.READ, c, null);
    if (!cache.enabled()) {
      ChannelUsers page = presence.channelUsers(c, new PageRequest(size, from, withAttributes));
      return json(PresenceJson.channelUsers(page, withAttributes).toString());
    }
    Optional<String> cached = cache.get(c, size, from, withAttributes);
    String body;
    if (cached.isPresent()) {
      body = cached.get();
    } else {
      ChannelUsers page = presence.channelUsers(c, new PageRequest(size, from, withAttributes));
      body = PresenceJson.channelUsers(page, withAttributes).toString();
      cache.put(c, size, from, withAttributes, body);
    }
    return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
        .header(HttpHeaders.CACHE_CONTROL, "max-age=" + config.cacheTtl().toSeconds())
        .build();
  }

  /**
   * {@code PUT /api/v1/channels/{channel}/users/{userId}}: joins, or refreshes the implicit REST
   * session (a heartbeat). Idempotent.
   *
   * @param channel the channel
   * @param userId the user; the caller unless an admin
   * @return 204
   */
  @PUT
  @Path("users/{userId}")
  public Response join(@PathParam("channel") String channel, @PathParam("userId") String userId) {
    ChannelId c = request.channel(channel);
    UserId u = request.user(userId);
    request.authorize(Action.JOIN, c, u);
    presence.join(c, u);
    cache.invalidate(c);
    return noContent();
  }

  /**
   * {@code DELETE /api/v1/channels/{channel}/users/{userId}}: ends the implicit REST session.
   * Idempotent; never refused by authorizers.
   *
   * @param channel the channel
   * @param userId the user; the caller unless an admin
   * @return 204
   */
  @DELETE
  @Path("users/{userId}")
  public Response leave(@PathParam("channel") String channel, @PathParam("userId") String userId) {
    ChannelId c = request.channel(channel);
    UserId u = request.user(userId);
    request.authorizeSelf(u);
    presence.leave(c, u);
    cache.invalidate(c);
    return noContent();
  }

  /**
   * {@code POST /api/v1/channels/{channel}/users/{userId}/kick} (SPEC 13.4, {@code presence-admin}
   * only): ends the user's presence in the channel in every session on every node; observers get
   * {@code leave} with {@code "reason":"kicked"}, the user's WebSocket clients {@code
   * {"type":"kicked","channel"}}. Answers 204 whether or not the user was present (idempotent, as a
   * leave); a kick is not a ban: the user may join again.
   *
   * @param channel the channel
   * @param userId the user
   * @return 204
   */
  @POST
  @Path("users/{userId}/kick")
  public Response kick(@PathParam("channel") String channel, @PathParam("userId") String userId) {
    ChannelId c = request.channel(channel);
    UserId u = request.user(userId);
    request.authorizeAdmin();
    engine.kick(c, u);
    cache.invalidate(c);
    return noContent();
  }

  /**
   * {@code GET /api/v1/channels/{channel}/users/{userId}/attributes}: the plain map.
   *
   * @param channel the channel
   * @param userId the user
   * @return the attributes, or 404 NOT_PRESENT
   */
  @GET
  @Path("users/{userId}/attributes")
  public Response getAttributes(
      @PathParam("channel") String channel, @PathParam("userId") String userId) {
    ChannelId c = request.channel(channel);
    UserId u = request.user(userId);
    request.authorize(Action.READ, c, u);
    return json(PresenceJson.attributes(presence.attributes(c, u)).toString());
  }

  /**
   * {@code PUT /api/v1/channels/{channel}/users/{userId}/attributes} with a JSON object of strings:
   * replaces the user's attributes.
   *
   * @param channel the channel
   * @param userId the user; the caller unless an admin
   * @param contentLength the Content-Length header
   * @param contentType the Content-Type header: application/json, or 415
   * @param body the request body
   * @return the attributes now stored
   */
  @PUT
  @Path("users/{userId}/attributes")
  public Response setAttributes(
      @PathParam("channel") String channel,
      @PathParam("userId") String userId,
      @HeaderParam(HttpHeaders.CONTENT_LENGTH) @Nullable String contentLength,
      @HeaderParam(HttpHeaders.CONTENT_TYPE) @Nullable String contentType,
      InputStream body) {
    ChannelId c = request.channel(channel);
    UserId u = request.user(userId);
    request.authorize(Action.SET_ATTRIBUTES, c, u);
    Requests.requireJson(contentType);
    String text = BodyReader.read(body, contentLength, config.maxBodyBytes());
    Attributes attributes = PresenceJson.readAttributes(text);
    Attributes stored = presence.setAttributes(c, u, attributes);
    cache.invalidate(c);
    return json(PresenceJson.attributes(stored).toString());
  }

  static Response json(String body) {
    return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
        .header(HttpHeaders.CACHE_CONTROL, "no-store")
        .build();
  }

  private static Response noContent() {
    return Response.noContent().header(HttpHeaders.CACHE_CONTROL, "no-store").build();
  }
}
