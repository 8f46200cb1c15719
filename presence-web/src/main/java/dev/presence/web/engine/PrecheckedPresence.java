package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.NotPresentException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresenceListener;
import dev.presence.PresenceSession;
import dev.presence.Subscription;
import dev.presence.UserId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

/**
 * The operations of a {@link PresenceEngine} for callers that have checked the ids they pass with
 * the engine's {@link LimitChecks} ({@link PresenceEngine#checks()}): the server's own front ends,
 * which must check ids before they authorize (a malformed id is a 400 before any 403) and so would
 * otherwise pay every id check twice per request. {@link PresenceEngine#prechecked()} hands it out
 * (and the CDI wiring as a bean of this type); it is not a {@link dev.presence.PresenceService}, so
 * it never stands in for one: a caller asks for it by name and takes on its one precondition:
 *
 * <p><b>Every {@link ChannelId} and {@link UserId} passed here has been checked against the
 * engine's limits</b>: by {@link LimitChecks#channel} or {@link LimitChecks#user}, or by {@link
 * dev.presence.PresenceLimits#check} of the same limits (the REST requests' ids, and the subject of
 * a verified token, which {@code TokenVerifier} checks). Nothing else is trusted: attributes are
 * checked against their limits here, and every limit counted per user, session or channel is
 * enforced as on the checked face. A session opened here does not check the channels its {@code
 * join} and {@code leave} get either. The methods behave otherwise as those of {@link
 * dev.presence.PresenceService} of the same name, which {@link PresenceEngine} implements by
 * checking the ids and calling these.
 *
 * <p>Thread-safe.
 */
public final class PrecheckedPresence {

  private final LimitChecks checks;
  private final InstantSource clock;
  private final SessionRegistry sessions;
  private final ApiSessions apiSessions;
  private final StoreGateway store;
  private final RateLimiter attributeRate;
  private final SplitMemory splitMemory;
  private final EventRouter router;
  private final EngineRuntime runtime;

  PrecheckedPresence(
      LimitChecks checks,
      InstantSource clock,
      SessionRegistry sessions,
      ApiSessions apiSessions,
      StoreGateway store,
      RateLimiter attributeRate,
      SplitMemory splitMemory,
      EventRouter router,
      EngineRuntime runtime) {
    this.checks = checks;
    this.clock = clock;
    this.sessions = sessions;
    this.apiSessions = apiSessions;
    this.store = store;
    this.attributeRate = attributeRate;
    this.splitMemory = splitMemory;
    this.router = router;
    this.runtime = runtime;
  }

  /**
   * Opens a connection-bound session ({@link dev.presence.PresenceService#openSession}) whose
   * {@code join} and {@code leave} trust their channel ids.
   *
   * @param user the user, checked
   * @return the session
   */
  public PresenceSession openSession(UserId user) {
    return sessions.open(user, false);
  }

  /**
   * See {@link dev.presence.PresenceService#join}.
   *
   * @param channel the channel, checked
   * @param user the user, checked
   */
  public void join(ChannelId channel, UserId user) {
    apiSessions.join(channel, user, clock.instant());
  }

  /**
   * As {@link #join(ChannelId, UserId)}, with a lease of the caller's choosing instead of the
   * configured timeout: the PubNub front end's heartbeat ({@code dev.presence.web.pubnub}), whose
   * clients choose their own presence timeout. The caller bounds it to the configured range.
   *
   * @param channel the channel, checked
   * @param user the user, checked
   * @param timeout how long the lease runs without another join, positive
   */
  public void join(ChannelId channel, UserId user, Duration timeout) {
    apiSessions.join(channel, user, clock.instant(), timeout);
  }

  /**
   * See {@link dev.presence.PresenceService#leave}.
   *
   * @param channel the channel, checked
   * @param user the user, checked
   */
  public void leave(ChannelId channel, UserId user) {
    apiSessions.leave(channel, user, clock.instant());
  }

  /**
   * See {@link dev.presence.PresenceService#channelUsers}.
   *
   * @param channel the channel, checked
   * @param page the page
   * @return the page of users
   */
  public ChannelUsers channelUsers(ChannelId channel, PageRequest page) {
    return store.users(channel, page);
  }

  /**
   * See {@link dev.presence.PresenceService#userChannels}.
   *
   * @param user the user, checked
   * @return the channels
   */
  public List<ChannelId> userChannels(UserId user) {
    return store.channelsOf(user);
  }

  /**
   * See {@link dev.presence.PresenceService#setAttributes}; the attributes are checked here.
   *
   * @param channel the channel, checked
   * @param user the user, checked
   * @param attributes the attributes
   * @return the attributes stored
   */
  public Attributes setAttributes(ChannelId channel, UserId user, Attributes attributes) {
    checks.attributes(attributes);
    Instant now = clock.instant();
    attributeRate.acquire(user, now);
    store.setAttributes(channel, user, attributes, now);
    splitMemory.attributesSet(channel, user, attributes);
    return attributes;
  }

  /**
   * See {@link dev.presence.PresenceService#attributes}.
   *
   * @param channel the channel, checked
   * @param user the user, checked
   * @return the attributes
   */
  public Attributes attributes(ChannelId channel, UserId user) {
    return store
        .attributes(channel, user)
        .orElseThrow(
            () ->
                new NotPresentException(
                    "user '" + user + "' is not present in channel '" + channel + "'"));
  }

  /**
   * See {@link dev.presence.PresenceService#occupancy}.
   *
   * @param channel the channel, checked
   * @return the occupancy
   */
  public Occupancy occupancy(ChannelId channel) {
    return store.occupancy(channel);
  }

  /** The snapshot of an occupancy subscription: the occupancy and seq, no user list read. */
  private ChannelUsers occupancySnapshot(ChannelId channel) {
    Occupancy o = store.occupancy(channel);
    return new ChannelUsers(channel, o.occupancy(), o.seq(), List.of(), null);
  }

  /**
   * See {@link PresenceEngine#subscribe}. A listener that is an {@link IntervalListener} follows
   * interval mode (SPEC 13.3); one in {@link ObserveMode#OCCUPANCY} gets a snapshot without users
   * (read with the store's occupancy, not its user list).
   *
   * @param channel the channel, checked
   * @param listener the listener
   * @return the subscription
   */
  public Subscription subscribe(ChannelId channel, PresenceListener listener) {
    boolean occupancyOnly =
        listener instanceof IntervalListener il && il.mode() == ObserveMode.OCCUPANCY;
    EngineSubscription subscription =
        new EngineSubscription(
            channel,
            listener,
            router,
            runtime.listeners(),
            occupancyOnly ? this::occupancySnapshot : store::snapshot);
    subscription.start();
    return subscription;
  }
}
