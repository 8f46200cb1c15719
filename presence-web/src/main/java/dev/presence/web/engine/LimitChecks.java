package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.PresenceLimits;
import dev.presence.UserId;
import java.util.function.Consumer;

/**
 * The per-request checks of ids and attributes against the configured limits (SPEC 7), shared by an
 * engine and the front ends that serve it, so that each runs once per request.
 *
 * <p>Who checks what (see presence-web/README.md, "Limits: each checked once"): the syntax of an id
 * (characters, {@code .}/{@code ..}, the hard ceiling) is checked once, when its {@link ChannelId}
 * or {@link UserId} is made; the configured length here, by whoever sees the id first: a front end
 * before it authorizes (a malformed id is a 400 before any 403), then it calls {@link
 * PrecheckedPresence}, which does not check ids again; any other caller goes through {@link
 * PresenceEngine}'s {@link dev.presence.PresenceService} face, which checks them. Attributes are
 * checked here once, by the engine, on both faces. The limits counted per user, session or channel
 * (sessions per user, channels per session, REST channels per user, users per channel, the
 * attribute rate) have one place each in the engine, on the path both faces share.
 *
 * <p>Each method has no side effect but telling the {@linkplain #observe observer}. Thread-safe.
 */
public final class LimitChecks {

  /** What a check was about, as told to the {@linkplain #observe observer}. */
  public enum Check {
    /** A channel name against {@link PresenceLimits#channelLength()}. */
    CHANNEL,
    /** A user id against {@link PresenceLimits#userIdLength()}. */
    USER,
    /** Attributes against the attribute limits ({@link PresenceLimits#check(Attributes)}). */
    ATTRIBUTES
  }

  private final PresenceLimits limits;
  private volatile Consumer<Check> observer = check -> {};

  /**
   * Creates the checks of the given limits.
   *
   * @param limits the limits
   */
  public LimitChecks(PresenceLimits limits) {
    this.limits = limits;
  }

  /**
   * The limits.
   *
   * @return the limits checked
   */
  public PresenceLimits limits() {
    return limits;
  }

  /**
   * A channel id from a request: its syntax, then the configured length.
   *
   * @param raw the text the client sent
   * @return the channel
   * @throws dev.presence.InvalidArgumentException if it is not a valid channel name (400)
   */
  public ChannelId channel(String raw) {
    return channel(ChannelId.of(raw));
  }

  /**
   * A user id from a request: its syntax, then the configured length.
   *
   * @param raw the text the client sent
   * @return the user
   * @throws dev.presence.InvalidArgumentException if it is not a valid user id (400)
   */
  public UserId user(String raw) {
    return user(UserId.of(raw));
  }

  /**
   * Checks a channel against the configured length.
   *
   * @param channel the channel
   * @return the channel
   * @throws dev.presence.InvalidArgumentException if it is too long (400)
   */
  public ChannelId channel(ChannelId channel) {
    observer.accept(Check.CHANNEL);
    return limits.check(channel);
  }

  /**
   * Checks a user id against the configured length.
   *
   * @param user the user
   * @return the user
   * @throws dev.presence.InvalidArgumentException if it is too long (400)
   */
  public UserId user(UserId user) {
    observer.accept(Check.USER);
    return limits.check(user);
  }

  /**
   * Checks attributes against the attribute limits.
   *
   * @param attributes the attributes
   * @return the attributes
   * @throws dev.presence.TooLargeException if a limit is exceeded (413)
   */
  public Attributes attributes(Attributes attributes) {
    observer.accept(Check.ATTRIBUTES);
    return limits.check(attributes);
  }

  /**
   * For tests: tells the observer of every check from now on, on the checking thread (tests count
   * them to prove that a request pays each check once).
   *
   * @param observer the observer; replaces the previous one
   */
  public void observe(Consumer<Check> observer) {
    this.observer = observer;
  }
}
