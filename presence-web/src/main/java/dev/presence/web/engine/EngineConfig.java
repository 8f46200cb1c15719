package dev.presence.web.engine;

import dev.presence.PresenceLimits;
import java.time.Duration;

/**
 * The settings of a {@link PresenceEngine}.
 *
 * <p>The record checks only that the values make sense (positive durations, a grace that is not
 * negative). The ranges the specification allows users to configure ({@code presence.timeout} 10 s
 * to 600 s, {@code presence.grace} 0 to 120 s) are checked where configuration is read, so that
 * tests and benchmarks may use shorter values.
 *
 * @param timeout the presence timeout {@code T}: a session silent this long is lost, and an API
 *     (REST) session lives this long unless refreshed
 * @param grace the grace period {@code G} a membership is held after its last session ended without
 *     an explicit leave
 * @param limits the limits enforced
 * @param tickInterval how often the liveness ticker runs ({@link PresenceEngine#tick()})
 * @param reorderWindow how long an event that arrived out of order waits for the events before it;
 *     after that the gap is skipped and observers that miss events are told to resync
 * @param hookQueueCapacity the most events queued for one event hook; beyond it the oldest are
 *     dropped
 * @param channelsPerUser the most channels one user may be in through API (REST) sessions joined
 *     through this node ({@code presence.limits.channels-per-user}; see {@link PresenceEngine})
 * @param announceMax while a channel has more users than this, observers that take intervals get
 *     one interval message per {@code interval} instead of one message per event ({@code
 *     presence.channels.announce-max}; see {@link ChannelIntervals})
 * @param interval the length of an interval, and of an occupancy subscription's period ({@code
 *     presence.channels.interval})
 */
public record EngineConfig(
    Duration timeout,
    Duration grace,
    PresenceLimits limits,
    Duration tickInterval,
    Duration reorderWindow,
    int hookQueueCapacity,
    int channelsPerUser,
    int announceMax,
    Duration interval) {

  /**
   * Validates the settings.
   *
   * @param timeout the presence timeout, positive
   * @param grace the grace period, not negative
   * @param limits the limits
   * @param tickInterval the ticker period, positive
   * @param reorderWindow the reorder window, positive
   * @param hookQueueCapacity the hook queue capacity, positive
   * @param channelsPerUser the channels per user through API sessions, positive
   * @param announceMax the announce threshold, not negative
   * @param interval the interval, positive
   * @throws IllegalArgumentException if a value is out of range
   */
  public EngineConfig {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the presence timeout must be positive");
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the grace period must not be negative");
    }
    if (tickInterval.isNegative() || tickInterval.isZero()) {
      throw new IllegalArgumentException("the tick interval must be positive");
    }
    if (reorderWindow.isNegative() || reorderWindow.isZero()) {
      throw new IllegalArgumentException("the reorder window must be positive");
    }
    if (hookQueueCapacity <= 0) {
      throw new IllegalArgumentException("the hook queue capacity must be positive");
    }
    if (channelsPerUser <= 0) {
      throw new IllegalArgumentException("the channels per user must be positive");
    }
    if (announceMax < 0) {
      throw new IllegalArgumentException("the announce threshold must not be negative");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the interval must be positive");
    }
  }

  /**
   * The defaults: {@code T} 60 s, {@code G} 5 s, {@link PresenceLimits#DEFAULTS}, a tick every 250
   * ms, a reorder window of 2 s, 10,000 queued events per hook, 200 channels per user through API
   * sessions, interval mode above 100 users and intervals of 5 s.
   *
   * @return the default settings
   */
  public static EngineConfig defaults() {
    return new EngineConfig(
        Duration.ofSeconds(60),
        Duration.ofSeconds(5),
        PresenceLimits.DEFAULTS,
        Duration.ofMillis(250),
        Duration.ofSeconds(2),
        10_000,
        200,
        100,
        Duration.ofSeconds(5));
  }

  /**
   * A copy with another presence timeout.
   *
   * @param t the timeout
   * @return the copy
   */
  public EngineConfig withTimeout(Duration t) {
    return new EngineConfig(
        t,
        grace,
        limits,
        tickInterval,
        reorderWindow,
        hookQueueCapacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with another grace period.
   *
   * @param g the grace period
   * @return the copy
   */
  public EngineConfig withGrace(Duration g) {
    return new EngineConfig(
        timeout,
        g,
        limits,
        tickInterval,
        reorderWindow,
        hookQueueCapacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with other limits.
   *
   * @param l the limits
   * @return the copy
   */
  public EngineConfig withLimits(PresenceLimits l) {
    return new EngineConfig(
        timeout,
        grace,
        l,
        tickInterval,
        reorderWindow,
        hookQueueCapacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with another tick interval.
   *
   * @param tick the interval
   * @return the copy
   */
  public EngineConfig withTickInterval(Duration tick) {
    return new EngineConfig(
        timeout,
        grace,
        limits,
        tick,
        reorderWindow,
        hookQueueCapacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with another reorder window.
   *
   * @param window the window
   * @return the copy
   */
  public EngineConfig withReorderWindow(Duration window) {
    return new EngineConfig(
        timeout,
        grace,
        limits,
        tickInterval,
        window,
        hookQueueCapacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with another hook queue capacity.
   *
   * @param capacity the capacity
   * @return the copy
   */
  public EngineConfig withHookQueueCapacity(int capacity) {
    return new EngineConfig(
        timeout,
        grace,
        limits,
        tickInterval,
        reorderWindow,
        capacity,
        channelsPerUser,
        announceMax,
        interval);
  }

  /**
   * A copy with another limit of channels per user through API sessions.
   *
   * @param max the limit
   * @return the copy
   */
  public EngineConfig withChannelsPerUser(int max) {
    return new EngineConfig(
        timeout,
        grace,
        limits,
        tickInterval,
        reorderWindow,
        hookQueueCapacity,
        max,
        announceMax,
        interval);
  }

  /**
   * A copy with other large-channel settings.
   *
   * @param max the announce threshold
   * @param length the interval
   * @return the copy
   */
  public EngineConfig withIntervals(int max, Duration length) {
    return new EngineConfig(
        timeout,
        grace,
        limits,
        tickInterval,
        reorderWindow,
        hookQueueCapacity,
        channelsPerUser,
        max,
        length);
  }
}
