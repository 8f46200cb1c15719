package dev.presence.web.pubnub;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.NotJoinedException;
import dev.presence.NotPresentException;
import dev.presence.PageRequest;
import dev.presence.PresenceException;
import dev.presence.PresentUser;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.Caller;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.PrecheckedPresence;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.http.Requests;
import dev.presence.web.json.PresenceJson;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The presence endpoints of PubNub's REST protocol under {@code /v2} (PUBNUB.md 1.2): subscribe,
 * heartbeat, leave, here_now, where_now, set and get state. Other {@code /v2} paths (history,
 * channel groups, objects...) answer 404 in PubNub's error shape ({@link PubNubExceptionMapper}):
 * they are not presence.
 *
 * <p>Every request is checked in this order: the feature is on (else 404), the caller ({@code
 * auth}, our JWT, and {@code uuid}, which must be its subject: else 403 in the Access Manager
 * shape), the path and parameters (400), then the authorizers (403); only then is anything changed.
 */
@Path("")
@RequestScoped
public class PubNubResource {

  /** The base path this resource is served under; elsewhere (a scanning application) it is 404. */
  static final String BASE = "/v2/";

  /** The most offset of here_now. */
  static final int MAX_OFFSET = 100_000;

  /** The most channels in a global here_now. */
  static final int MAX_GLOBAL_CHANNELS = 1000;

  @Inject PresenceConfig config;
  @Inject TokenVerifier verifier;
  @Inject AccessControl access;
  @Inject PrecheckedPresence presence;
  @Inject PresenceEngine engine;
  @Inject PubNubHub hub;
  @Context UriInfo uri;

  // ---------------------------------------------------------------- subscribe

  /**
   * {@code GET /v2/subscribe/{k}/{channels}/0?tt=&heartbeat=&state=}: a handshake (no {@code tt})
   * answers at once; a long-poll answers with the presence events after {@code tt} on the listed
   * {@code -pnpres} channels, or with none when the hold ends. Listing a channel is a heartbeat.
   */
  @GET
  @Path("subscribe/{key}/{channels}/{callback}")
  public void subscribe(
      @PathParam("channels") String channels,
      @PathParam("callback") String callback,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("tt") @Nullable String tt,
      @QueryParam("heartbeat") @Nullable String heartbeat,
      @QueryParam("state") @Nullable String state,
      @QueryParam("channel-group") @Nullable String group,
      @Suspended AsyncResponse response) {
    PubNubChannels list;
    long after;
    List<PubNubHub.ChannelBuffer> observed;
    try {
      begin();
      Caller caller = caller(uuid, auth, List.of(channels));
      if (!"0".equals(callback)) {
        throw PubNubException.badRequest("the callback segment of subscribe must be 0");
      }
      noGroups(group);
      list = PubNubChannels.parse(channels, config.limits(), true);
      if (list.isEmpty()) {
        throw PubNubException.badRequest("no channels to subscribe to");
      }
      after = Timetokens.parse(tt);
      Duration timeout = heartbeat == null ? null : heartbeat(heartbeat);
      Map<ChannelId, Attributes> states = states(state);
      authorizeJoins(caller, list.channels(), states);
      for (ChannelId c : list.observed()) {
        access.check(caller, Action.READ, c, null);
      }
      try {
        joinAll(caller.userId(), list.channels(), timeout, states);
        observed = hub.observe(list.observed());
      } catch (UnavailableException e) {
        // never a 5xx on subscribe (pubnub 7 would stop for good): no messages, try again later
        response.resume(PubNubHub.json(PubNubJson.subscribe(Math.max(after, 0), List.of())));
        return;
      }
    } catch (PubNubException e) {
      response.resume(PubNubApplication.error(e));
      return;
    } catch (PresenceException e) {
      response.resume(PubNubApplication.error(PubNubException.of(e, List.of(channels))));
      return;
    }
    if (after == 0) {
      response.resume(PubNubHub.json(PubNubJson.subscribe(hub.now(), List.of())));
      return;
    }
    hub.poll(observed, after, response);
  }

  // ---------------------------------------------------------------- heartbeat, leave

  /** {@code GET /v2/presence/sub-key/{k}/channel/{channels}/heartbeat?heartbeat=T&state=}. */
  @GET
  @Path("presence/sub-key/{key}/channel/{channels}/heartbeat")
  public Response heartbeat(
      @PathParam("channels") String channels,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("heartbeat") @Nullable String heartbeat,
      @QueryParam("state") @Nullable String state,
      @QueryParam("channel-group") @Nullable String group) {
    return run(
        List.of(channels),
        () -> {
          Caller caller = caller(uuid, auth, List.of(channels));
          noGroups(group);
          PubNubChannels list = PubNubChannels.parse(channels, config.limits(), true);
          Duration timeout = heartbeat == null ? null : heartbeat(heartbeat);
          Map<ChannelId, Attributes> states = states(state);
          authorizeJoins(caller, list.channels(), states);
          joinAll(caller.userId(), list.channels(), timeout, states);
          return PubNubJson.ok().build();
        });
  }

  /** {@code GET /v2/presence/sub-key/{k}/channel/{channels}/leave}: leaves each channel once. */
  @GET
  @Path("presence/sub-key/{key}/channel/{channels}/leave")
  public Response leave(
      @PathParam("channels") String channels,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("channel-group") @Nullable String group) {
    return run(
        List.of(channels),
        () -> {
          Caller caller = caller(uuid, auth, List.of(channels));
          noGroups(group);
          PubNubChannels list = PubNubChannels.parse(channels, config.limits(), true);
          Set<ChannelId> all = new LinkedHashSet<>(list.channels());
          all.addAll(list.observed());
          for (ChannelId c : all) {
            presence.leave(c, caller.userId());
            hub.forget(caller.userId(), c);
          }
          return PubNubJson.ok().add("action", "leave").build();
        });
  }

  // ---------------------------------------------------------------- here_now, where_now

  /** {@code GET /v2/presence/sub-key/{k}}: global here_now (the channels the caller may read). */
  @GET
  @Path("presence/sub-key/{key}")
  public Response globalHereNow(
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("state") @Nullable String state,
      @QueryParam("disable_uuids") @Nullable String disableUuids) {
    return run(
        List.of(),
        () -> {
          Caller caller = caller(uuid, auth, List.of());
          boolean withState = flag(state, "state");
          boolean withUuids = !flag(disableUuids, "disable_uuids");
          List<ChannelId> channels = new ArrayList<>();
          String cursor = null;
          do {
            ChannelPage page = engine.channels("", PageRequest.MAX_LIMIT, cursor);
            for (ChannelOccupancy o : page.channels()) {
              if (channels.size() < MAX_GLOBAL_CHANNELS && mayRead(caller, o.channel())) {
                channels.add(o.channel());
              }
            }
            cursor = page.next();
          } while (cursor != null && channels.size() < MAX_GLOBAL_CHANNELS);
          return hereNowMany(channels, withState, withUuids, PageRequest.MAX_LIMIT, 0);
        });
  }

  /**
   * {@code GET /v2/presence/sub-key/{k}/channel/{channels}?state=1&disable_uuids=1&limit=&offset=}:
   * one channel answers {@code occupancy} and {@code uuids} at the top, several a {@code payload}.
   */
  @GET
  @Path("presence/sub-key/{key}/channel/{channels}")
  public Response hereNow(
      @PathParam("channels") String channels,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("state") @Nullable String state,
      @QueryParam("disable_uuids") @Nullable String disableUuids,
      @QueryParam("limit") @Nullable String limit,
      @QueryParam("offset") @Nullable String offset,
      @QueryParam("channel-group") @Nullable String group) {
    return run(
        List.of(channels),
        () -> {
          Caller caller = caller(uuid, auth, List.of(channels));
          noGroups(group);
          PubNubChannels list = PubNubChannels.parse(channels, config.limits(), false);
          if (list.channels().isEmpty()) {
            throw PubNubException.badRequest("no channels given");
          }
          boolean withState = flag(state, "state");
          boolean withUuids = !flag(disableUuids, "disable_uuids");
          int size = number(limit, "limit", 0, PageRequest.MAX_LIMIT, PageRequest.MAX_LIMIT);
          int skip = number(offset, "offset", 0, MAX_OFFSET, 0);
          for (ChannelId c : list.channels()) {
            access.check(caller, Action.READ, c, null);
          }
          if (list.channels().size() == 1) {
            ChannelId c = list.channels().get(0);
            JsonObjectBuilder b = PubNubJson.ok();
            here(c, withState, withUuids, size, skip, b);
            return b.build();
          }
          return hereNowMany(list.channels(), withState, withUuids, size, skip);
        });
  }

  /** {@code GET /v2/presence/sub-key/{k}/uuid/{uuid}}: the channels a user is in. */
  @GET
  @Path("presence/sub-key/{key}/uuid/{target}")
  public Response whereNow(
      @PathParam("target") String target,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth) {
    return run(
        List.of(),
        () -> {
          Caller caller = caller(uuid, auth, List.of());
          UserId user = user(target);
          access.check(caller, Action.READ, null, user);
          JsonArrayBuilder list = PresenceJson.arrayBuilder();
          for (ChannelId c : presence.userChannels(user)) {
            list.add(c.value());
          }
          return PubNubJson.ok()
              .add("payload", PresenceJson.objectBuilder().add("channels", list))
              .build();
        });
  }

  // ---------------------------------------------------------------- state

  /**
   * {@code GET /v2/presence/sub-key/{k}/channel/{channels}/uuid/{uuid}/data?state={..}}: sets the
   * caller's attributes in each channel (string values only). A user not present yet is joined
   * first (PubNub keeps state without presence; LiveLike sets it right after a join whose requests
   * may arrive later, PUBNUB.md 3.2).
   */
  @GET
  @Path("presence/sub-key/{key}/channel/{channels}/uuid/{target}/data")
  public Response setState(
      @PathParam("channels") String channels,
      @PathParam("target") String target,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("state") @Nullable String state,
      @QueryParam("channel-group") @Nullable String group) {
    return run(
        List.of(channels),
        () -> {
          Caller caller = caller(uuid, auth, List.of(channels));
          noGroups(group);
          UserId user = user(target);
          if (!user.equals(caller.userId())) {
            throw PubNubException.forbidden(
                "state may only be set for the caller's own uuid", List.of(channels));
          }
          PubNubChannels list = PubNubChannels.parse(channels, config.limits(), false);
          if (list.channels().isEmpty()) {
            throw PubNubException.badRequest("no channels given");
          }
          if (state == null) {
            throw PubNubException.badRequest("state is required");
          }
          Attributes attributes = PubNubJson.readState(PubNubJson.parse(state, "state"));
          for (ChannelId c : list.channels()) {
            access.check(caller, Action.SET_ATTRIBUTES, c, user);
          }
          for (ChannelId c : list.channels()) {
            Attributes stored;
            try {
              stored = presence.setAttributes(c, user, attributes);
            } catch (NotPresentException | NotJoinedException e) {
              join(user, c, null);
              stored = presence.setAttributes(c, user, attributes);
            }
            hub.state(user, c, stored);
          }
          return PubNubJson.ok().add("payload", PubNubJson.state(attributes)).build();
        });
  }

  /**
   * {@code GET /v2/presence/sub-key/{k}/channel/{channels}/uuid/{uuid}}: a user's attributes; one
   * channel: {@code payload} is the state ({@code {}} when absent), several: {@code {channel:
   * state}}.
   */
  @GET
  @Path("presence/sub-key/{key}/channel/{channels}/uuid/{target}")
  public Response getState(
      @PathParam("channels") String channels,
      @PathParam("target") String target,
      @QueryParam("uuid") @Nullable String uuid,
      @QueryParam("auth") @Nullable String auth,
      @QueryParam("channel-group") @Nullable String group) {
    return run(
        List.of(channels),
        () -> {
          Caller caller = caller(uuid, auth, List.of(channels));
          noGroups(group);
          UserId user = user(target);
          PubNubChannels list = PubNubChannels.parse(channels, config.limits(), false);
          if (list.channels().isEmpty()) {
            throw PubNubException.badRequest("no channels given");
          }
          for (ChannelId c : list.channels()) {
            access.check(caller, Action.READ, c, user);
          }
          Map<ChannelId, JsonObject> found = new LinkedHashMap<>();
          for (ChannelId c : list.channels()) {
            Attributes a;
            try {
              a = presence.attributes(c, user);
            } catch (NotPresentException e) {
              a = Attributes.EMPTY;
            }
            found.put(c, PubNubJson.state(a));
          }
          JsonValue payload;
          if (found.size() == 1) {
            payload = found.values().iterator().next();
          } else {
            JsonObjectBuilder b = PresenceJson.objectBuilder();
            found.forEach((c, s) -> b.add(c.value(), s));
            payload = b.build();
          }
          return PubNubJson.ok().add("uuid", user.value()).add("payload", payload).build();
        });
  }

  // ---------------------------------------------------------------- helpers

  private interface Body {
    JsonObject get();
  }

  private Response run(List<String> channels, Body body) {
    try {
      begin();
      return PubNubHub.json(body.get().toString());
    } catch (PubNubException e) {
      return PubNubApplication.error(e);
    } catch (PresenceException e) {
      return PubNubApplication.error(PubNubException.of(e, channels));
    }
  }

  /**
   * 404 when off; reached through another application than {@link PubNubApplication} (the {@code
   * /api/v1} one scans the WAR), a plain JAX-RS 404 which that application answers in its own
   * shape.
   */
  private void begin() {
    if (!uri.getBaseUri().getRawPath().endsWith(BASE)) {
      throw new jakarta.ws.rs.NotFoundException();
    }
    if (!config.pubnubEnabled()) {
      throw PubNubException.notFound("Not Found");
    }
    checkUtf8(uri.getRequestUri().getRawPath());
    String query = uri.getRequestUri().getRawQuery();
    if (query != null) {
      checkUtf8(query);
    }
  }

  /**
   * Refuses percent-encoded bytes that are not UTF-8 (an unpaired surrogate as CESU-8 bytes, a lone
   * continuation byte): the container would decode them to U+FFFD and the request would store text
   * the client never sent.
   */
  static void checkUtf8(String raw) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char ch = raw.charAt(i);
      if (ch == '%' && i + 2 < raw.length()) {
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw PubNubException.badRequest("malformed percent-encoding in the request URI");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (ch == '%') {
        throw PubNubException.badRequest("malformed percent-encoding in the request URI");
      } else {
        byte[] b = String.valueOf(ch).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      java.nio.charset.StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
    } catch (java.nio.charset.CharacterCodingException e) {
      throw PubNubException.badRequest(
          "the request URI holds bytes that are not UTF-8 (such as an unpaired surrogate)");
    }
  }

  /** The caller: {@code auth} verified, {@code uuid} its subject. */
  private Caller caller(@Nullable String uuid, @Nullable String auth, List<String> channels) {
    if (auth == null || auth.isEmpty()) {
      throw PubNubException.forbidden("Forbidden: auth (a token) is required", channels);
    }
    Caller caller = Requests.authenticate(verifier, null, auth);
    if (uuid == null || !uuid.equals(caller.userId().value())) {
      throw PubNubException.forbidden(
          "Forbidden: uuid must be the subject of the auth token", channels);
    }
    return caller;
  }

  private UserId user(String raw) {
    try {
      return Requests.user(raw, config.limits());
    } catch (dev.presence.InvalidArgumentException e) {
      throw PubNubException.badRequest(e.getMessage());
    }
  }

  private static void noGroups(@Nullable String group) {
    if (group != null && !group.isEmpty()) {
      throw PubNubException.badRequest("channel groups are not supported");
    }
  }

  /** A heartbeat value: digits, bounded to the presence.timeout range. */
  private Duration heartbeat(String raw) {
    int seconds = number(raw, "heartbeat", 0, 100_000, 0);
    Duration d = Duration.ofSeconds(seconds);
    if (d.compareTo(config.minTimeout()) < 0) {
      return config.minTimeout();
    }
    return d.compareTo(config.maxTimeout()) > 0 ? config.maxTimeout() : d;
  }

  /** Authorizes joining each channel, and setting attributes where the request carries state. */
  private void authorizeJoins(
      Caller caller, List<ChannelId> channels, Map<ChannelId, Attributes> states) {
    for (ChannelId c : channels) {
      access.check(caller, Action.JOIN, c, caller.userId());
      if (states.containsKey(c)) {
        access.check(caller, Action.SET_ATTRIBUTES, c, caller.userId());
      }
    }
  }

  /** The heartbeat of a heartbeat or subscribe: joins each channel, applies changed state. */
  private void joinAll(
      UserId user,
      List<ChannelId> channels,
      @Nullable Duration timeout,
      Map<ChannelId, Attributes> states) {
    for (ChannelId c : channels) {
      join(user, c, timeout);
      applyState(user, c, states.get(c));
    }
  }

  /** Joins with the given timeout, or the last one known, or the SDKs' default. */
  private void join(UserId user, ChannelId c, @Nullable Duration timeout) {
    Duration t = timeout;
    if (t == null) {
      t = hub.heartbeatOf(user, c);
    } else {
      hub.heartbeat(user, c, t);
    }
    if (t.compareTo(config.maxTimeout()) > 0) {
      t = config.maxTimeout();
    }
    presence.join(c, user, t);
  }

  /** {@code state={"c":{..}}} of heartbeat and subscribe: a map per channel, strings only. */
  private static Map<ChannelId, Attributes> states(@Nullable String raw) {
    if (raw == null || raw.isEmpty()) {
      return Map.of();
    }
    JsonValue v = PubNubJson.parse(raw, "state");
    if (v.getValueType() != JsonValue.ValueType.OBJECT) {
      throw PubNubException.badRequest("state must be a JSON object of channel states");
    }
    Map<ChannelId, Attributes> states = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> e : v.asJsonObject().entrySet()) {
      ChannelId c;
      try {
        c = ChannelId.of(e.getKey());
      } catch (dev.presence.InvalidArgumentException ex) {
        throw PubNubException.badRequest("state names an invalid channel");
      }
      states.put(c, PubNubJson.readState(e.getValue()));
    }
    return states;
  }

  /** Applies re-sent state only when it differs from what is stored (no state-change otherwise). */
  private void applyState(UserId user, ChannelId c, @Nullable Attributes state) {
    if (state == null) {
      return;
    }
    Attributes known = hub.stateOf(user, c);
    if (state.equals(known)) {
      return;
    }
    Optional<Attributes> stored;
    try {
      stored = Optional.of(presence.attributes(c, user));
    } catch (NotPresentException e) {
      stored = Optional.empty();
    }
    if (stored.isPresent() && stored.get().equals(state)) {
      hub.state(user, c, state);
      return;
    }
    presence.setAttributes(c, user, state);
    hub.state(user, c, state);
  }

  private boolean mayRead(Caller caller, ChannelId c) {
    try {
      access.check(caller, Action.READ, c, null);
      return true;
    } catch (dev.presence.ForbiddenException e) {
      return false;
    }
  }

  private JsonObject hereNowMany(
      List<ChannelId> channels, boolean withState, boolean withUuids, int size, int skip) {
    JsonObjectBuilder map = PresenceJson.objectBuilder();
    int total = 0;
    for (ChannelId c : channels) {
      JsonObjectBuilder one = PresenceJson.objectBuilder();
      total += here(c, withState, withUuids, size, skip, one);
      map.add(c.value(), one);
    }
    return PubNubJson.ok()
        .add(
            "payload",
            PresenceJson.objectBuilder()
                .add("total_channels", channels.size())
                .add("total_occupancy", total)
                .add("channels", map))
        .build();
  }

  /** Adds {@code occupancy} and (unless disabled) {@code uuids}; returns the occupancy. */
  private int here(
      ChannelId c, boolean withState, boolean withUuids, int size, int skip, JsonObjectBuilder b) {
    if (!withUuids) {
      int occupancy = presence.occupancy(c).occupancy();
      b.add("occupancy", occupancy);
      return occupancy;
    }
    JsonArrayBuilder uuids = PresenceJson.arrayBuilder();
    int skipped = 0;
    int taken = 0;
    int occupancy = -1;
    String cursor = null;
    do {
      ChannelUsers page =
          presence.channelUsers(c, new PageRequest(PageRequest.MAX_LIMIT, cursor, withState));
      if (occupancy < 0) {
        occupancy = page.occupancy();
      }
      for (PresentUser u : page.users()) {
        if (skipped < skip) {
          skipped++;
        } else if (taken < size) {
          taken++;
          if (withState) {
            JsonObjectBuilder entry = PresenceJson.objectBuilder().add("uuid", u.userId().value());
            if (!u.attributes().isEmpty()) {
              entry.add("state", PubNubJson.state(u.attributes()));
            }
            uuids.add(entry);
          } else {
            uuids.add(u.userId().value());
          }
        }
      }
      cursor = page.next();
    } while (cursor != null && taken < size);
    b.add("occupancy", occupancy).add("uuids", uuids);
    return occupancy;
  }

  private static boolean flag(@Nullable String raw, String name) {
    if (raw == null || raw.isEmpty()) {
      return false;
    }
    return switch (raw) {
      case "1", "true" -> true;
      case "0", "false" -> false;
      default -> throw PubNubException.badRequest(name + " must be 1 or 0");
    };
  }

  /** A whole number of at most 9 ASCII digits within [min, max]; {@code absent} when absent. */
  static int number(@Nullable String raw, String name, int min, int max, int absent) {
    if (raw == null || raw.isEmpty()) {
      return absent;
    }
    if (raw.length() > 9) {
      throw PubNubException.badRequest(name + " is out of range");
    }
    for (int i = 0; i < raw.length(); i++) {
      char ch = raw.charAt(i);
      if (ch < '0' || ch > '9') {
        throw PubNubException.badRequest(name + " must be a whole number");
      }
    }
    int v = Integer.parseInt(raw);
    if (v < min || v > max) {
      throw PubNubException.badRequest(name + " must be " + min + " to " + max);
    }
    return v;
  }
}
