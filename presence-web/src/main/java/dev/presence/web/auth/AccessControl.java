package dev.presence.web.auth;

import dev.presence.ChannelId;
import dev.presence.ForbiddenException;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.spi.AuthorizationRequest;
import dev.presence.spi.Caller;
import dev.presence.spi.PresenceAuthorizer;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a caller may do something (SPEC sections 6 and 8).
 *
 * <p>First the built-in rule: a caller may join, leave and set attributes only as themself unless
 * they have the {@value Caller#ADMIN_ROLE} role; anyone authenticated may read and observe. Then
 * every {@link PresenceAuthorizer} is asked, in order, and all must allow: the first denial is
 * thrown with the authorizer's reason; an authorizer that throws (or answers null) denies with a
 * generic reason, and the failure is logged. Leaving is never refused by authorizers ({@link
 * #checkSelf}).
 *
 * <p>Immutable and thread-safe (as long as the authorizers are).
 */
public final class AccessControl {

  /** The reason sent when an authorizer failed; its own failure never reaches the client. */
  static final String GENERIC_REASON = "the request was refused by an authorization check";

  private static final Logger LOG = Logger.getLogger(AccessControl.class.getName());

  private final List<PresenceAuthorizer> authorizers;

  /**
   * Creates the access control.
   *
   * @param authorizers the authorizers, all of which must allow; copied
   */
  public AccessControl(List<PresenceAuthorizer> authorizers) {
    this.authorizers = List.copyOf(authorizers);
  }

  /**
   * The authorizers asked.
   *
   * @return the authorizers, immutable
   */
  public List<PresenceAuthorizer> authorizers() {
    return authorizers;
  }

  /**
   * Checks a request.
   *
   * @param caller who asks
   * @param action what they want to do
   * @param channel the channel, or null for a request about a user's channels
   * @param target the user acted on or read, or null for channel-wide reads and observing
   * @throws ForbiddenException if the caller may not
   */
  public void check(
      Caller caller, Action action, @Nullable ChannelId channel, @Nullable UserId target) {
    if (action == Action.JOIN || action == Action.SET_ATTRIBUTES) {
      checkSelf(caller, target);
    }
    AuthorizationRequest request = new AuthorizationRequest(caller, action, channel, target);
    for (PresenceAuthorizer authorizer : authorizers) {
      AuthorizationDecision decision;
      try {
        decision = authorizer.authorize(request);
      } catch (RuntimeException | LinkageError e) {
        LOG.log(
            Level.WARNING,
            "authorizer " + className(authorizer) + " failed; the request is denied",
            e);
        throw new ForbiddenException(GENERIC_REASON);
      }
      if (decision == null) {
        LOG.warning(
            "authorizer " + className(authorizer) + " answered null; the request is denied");
        throw new ForbiddenException(GENERIC_REASON);
      }
      if (!decision.allowed()) {
        String reason = decision.reason();
        throw new ForbiddenException(reason == null ? GENERIC_REASON : reason);
      }
    }
  }

  /**
   * Checks only the built-in rule: the caller acts as themself, or is an admin. Used for leave,
   * which authorizers never refuse.
   *
   * @param caller who asks
   * @param target the user acted for, or null if the caller acts for themself
   * @throws ForbiddenException if the caller acts for someone else without the admin role
   */
  public void checkSelf(Caller caller, @Nullable UserId target) {
    if (target != null && !target.equals(caller.userId()) && !caller.isAdmin()) {
      throw new ForbiddenException(
          "you may act only as yourself ('"
              + caller.userId().value()
              + "'); acting for another user needs the "
              + Caller.ADMIN_ROLE
              + " role");
    }
  }

  /**
   * Checks that the caller has the {@value Caller#ADMIN_ROLE} role, which the administration API
   * (SPEC 13.4) needs. Only the role decides: authorizers are not asked (they see user operations,
   * and an administrator acts on everyone's).
   *
   * @param caller who asks
   * @throws ForbiddenException if the caller lacks the role
   */
  public void checkAdmin(Caller caller) {
    if (!caller.isAdmin()) {
      throw new ForbiddenException("this operation needs the " + Caller.ADMIN_ROLE + " role");
    }
  }

  private static String className(Object o) {
    return o.getClass().getName();
  }
}
