package dev.presence.web.rest;

import dev.presence.PageRequest;
import dev.presence.spi.ChannelPage;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.http.ApiRequest;
import dev.presence.web.http.Authenticated;
import dev.presence.web.http.Requests;
import dev.presence.web.json.PresenceJson;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jspecify.annotations.Nullable;

/**
 * The administration API of SPEC 13.4, for callers with the {@code presence-admin} role (403 {@code
 * FORBIDDEN} otherwise): the channel listing here; closing a user's connections is {@link
 * UserConnectionsResource}, the kick {@link ChannelResource#kick}, under the channel's path.
 *
 * <p>Ids and parameters are checked before the role (a malformed request is a 400 before any 403),
 * as everywhere in the API.
 */
@Path("channels")
@Authenticated
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

  @Inject PresenceEngine engine;
  @Inject ApiRequest request;

  /**
   * {@code GET /api/v1/channels?prefix=&limit=&cursor=}: one page of the channels with users
   * present, cluster-wide, in ascending order of name: {@code
   * {"channels":[{"channel","occupancy"}],"next"}}.
   *
   * @param prefix only channels whose name starts with it (the characters of a channel id); all
   *     when absent or empty
   * @param limit the page size, 1 to 1000 (default 1000)
   * @param cursor the {@code next} of the previous page, for the same prefix
   * @return the page
   */
  @GET
  public Response channels(
      @QueryParam("prefix") @Nullable String prefix,
      @QueryParam("limit") @Nullable String limit,
      @QueryParam("cursor") @Nullable String cursor) {
    String p = request.channelPrefix(prefix);
    // PageRequest checks the limit and the cursor's text (length, well-formed Unicode)
    PageRequest page = new PageRequest(Requests.limit(limit), Requests.cursor(cursor), false);
    request.authorizeAdmin();
    ChannelPage channels = engine.channels(p, page.limit(), page.cursor());
    return ChannelResource.json(PresenceJson.channels(channels).toString());
  }
}
