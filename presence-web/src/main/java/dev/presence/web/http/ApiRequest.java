package dev.presence.web.http;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.Caller;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.config.PresenceConfig;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.jspecify.annotations.Nullable;

/**
 * The request an {@link Authenticated} resource method serves: its caller, which {@link
 * AuthenticationFilter} verified before the method runs, the ids of its path (each checked once,
 * against the syntax and the configured lengths) and its authorization.
 *
 * <p>Resource methods read the ids first and authorize then, so a malformed id is a 400 before any
 * 403: {@code ChannelId c = request.channel(raw); request.authorize(Action.READ, c, null);}. These
 * are the request's only id checks: the resources then call the engine through {@link
 * dev.presence.web.engine.PrecheckedPresence}, which trusts ids checked here against the limits the
 * engine was made with ({@link PresenceConfig#limits()}).
 *
 * <p>Request scoped; one thread at a time.
 */
@RequestScoped
public class ApiRequest {

  @Inject PresenceConfig config;
  @Inject AccessControl access;

  private @Nullable Caller caller;

  /**
   * Records the verified caller. Only {@link AuthenticationFilter} calls it (public because the
   * container calls this bean through a proxy).
   *
   * @param verified the caller
   */
  public void authenticated(Caller verified) {
    this.caller = verified;
  }

  /**
   * The caller.
   *
   * @return the caller verified for this request
   * @throws IllegalStateException if the request was not authenticated (the resource lacks {@link
   *     Authenticated}): a bug, answered 500
   */
  public Caller caller() {
    Caller c = caller;
    if (c == null) {
      throw new IllegalStateException(
          "the request was not authenticated: is the resource annotated @Authenticated?");
    }
    return c;
  }

  /**
   * A channel id from the path.
   *
   * @param raw the decoded path segment
   * @return the channel, within the configured length
   * @throws dev.presence.InvalidArgumentException if it is not a valid channel name (400)
   */
  public ChannelId channel(String raw) {
    return Requests.channel(raw, config.limits());
  }

  /**
   * A user id from the path.
   *
   * @param raw the decoded path segment
   * @return the user, within the configured length
   * @throws dev.presence.InvalidArgumentException if it is not a valid user id (400)
   */
  public UserId user(String raw) {
    return Requests.user(raw, config.limits());
  }

  /**
   * Authorizes the caller ({@link AccessControl#check}).
   *
   * @param action what the caller wants to do
   * @param channel the channel, or null for a request about a user's channels
   * @param target the user acted on or read, or null for channel-wide reads and observing
   * @throws dev.presence.ForbiddenException if the caller may not (403)
   */
  public void authorize(Action action, @Nullable ChannelId channel, @Nullable UserId target) {
    access.check(caller(), action, channel, target);
  }

  /**
   * Checks only that the caller acts as themself or is an admin ({@link AccessControl#checkSelf}),
   * for leave, which authorizers never refuse.
   *
   * @param target the user acted for
   * @throws dev.presence.ForbiddenException if the caller acts for another user without the admin
   *     role (403)
   */
  public void authorizeSelf(UserId target) {
    access.checkSelf(caller(), target);
  }

  /**
   * Checks that the caller has the admin role ({@link AccessControl#checkAdmin}).
   *
   * @throws dev.presence.ForbiddenException if not (403)
   */
  public void authorizeAdmin() {
    access.checkAdmin(caller());
  }

  /**
   * A channel-name prefix from the query: empty (or absent) for all channels, else the characters
   * and length of a channel id.
   *
   * @param raw the parameter, or null
   * @return the prefix, possibly empty
   * @throws dev.presence.InvalidArgumentException if it is not empty and not a valid channel name
   *     (400)
   */
  public String channelPrefix(@Nullable String raw) {
    return raw == null || raw.isEmpty() ? "" : channel(raw).value();
  }
}
