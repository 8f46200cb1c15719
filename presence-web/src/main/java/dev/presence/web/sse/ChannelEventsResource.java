package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.spi.Action;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.http.ApiRequest;
import dev.presence.web.http.Authenticated;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * {@code GET /api/v1/channels/{channel}/events}: the channel's events as Server-Sent Events (SPEC
 * 4.1), for clients without WebSocket.
 *
 * <p>The stream starts with {@code event: snapshot} (the channel users JSON of SPEC 4.1, every user
 * with attributes), then sends each event as {@code event: join|leave|timeout|attributesUpdate}
 * with the event JSON of SPEC 2 as data. A client that falls behind gets {@code event: resync}
 * followed by a new {@code snapshot}. {@code ?mode=events} (the default) or {@code ?mode=occupancy}
 * chooses what the stream carries (SPEC 13.3; see {@link SseConnection}); any other value is 400
 * {@code INVALID_ARGUMENT} before anything is subscribed. Comments ({@code : keep-alive}) are sent
 * every 20 s.
 *
 * <p>The token comes from {@code Authorization: Bearer}, or from {@code ?access_token=} for
 * browsers' EventSource, which cannot set headers ({@link Authenticated#queryToken()}; verified by
 * {@link dev.presence.web.http.AuthenticationFilter} before the method runs). Observing needs the
 * {@code OBSERVE} permission; errors before the stream starts are the JSON errors of SPEC 4.4.
 */
@Path("channels/{channel}/events")
@Authenticated(queryToken = true)
@RequestScoped
public class ChannelEventsResource {

  @Inject ApiRequest request;
  @Inject SseStreams streams;

  /**
   * Opens the stream.
   *
   * @param channel the channel
   * @param mode {@code events} (when absent) or {@code occupancy}
   * @param sink the client's sink
   * @param sse the SSE factory
   */
  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void events(
      @PathParam("channel") String channel,
      @QueryParam("mode") String mode,
      @Context SseEventSink sink,
      @Context Sse sse) {
    ChannelId c = request.channel(channel);
    ObserveMode m = ObserveMode.parse(mode);
    request.authorize(Action.OBSERVE, c, null);
    streams.open(c, request.caller().userId(), m, sink, sse);
  }
}
