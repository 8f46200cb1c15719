package dev.presence.web.rest;

import dev.presence.ChannelId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The channel-users response cache of SPEC 4.3: a response body per (channel, limit, cursor,
 * attributes), served for up to the configured TTL. The body carries the {@code seq} it reflects.
 *
 * <p>Per node. A join, leave or attribute change made through this node's REST API drops the
 * channel's entries, so a client reads its own writes; changes made elsewhere (WebSocket, other
 * nodes) show once the entry expires. At most {@code maxChannels} channels are cached; past that,
 * expired entries are dropped, and if that is not enough, everything.
 *
 * <p>Thread-safe.
 */
public final class ChannelUsersCache {

  /**
   * What a response depends on.
   *
   * @param limit the page size
   * @param cursor the cursor, or null
   * @param attributes whether attributes are included
   */
  record PageKey(int limit, @Nullable String cursor, boolean attributes) {}

  private record Entry(String body, long expiresAt) {}

  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final int maxChannels;
  private final ConcurrentHashMap<ChannelId, Map<PageKey, Entry>> channels =
      new ConcurrentHashMap<>();

  /**
   * Creates a cache.
   *
   * @param ttl how long an entry is served; zero disables the cache
   * @param nanoTime the monotonic clock ({@code System::nanoTime})
   * @param maxChannels the most channels held
   */
  public ChannelUsersCache(Duration ttl, LongSupplier nanoTime, int maxChannels) {
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.maxChannels = maxChannels;
  }

  /**
   * Whether the cache is on (TTL above zero).
   *
   * @return true if responses are cached
   */
  public boolean enabled() {
    return ttlNanos > 0;
  }

  /**
   * A fresh cached body.
   *
   * @param channel the channel
   * @param limit the page size
   * @param cursor the cursor, or null
   * @param attributes whether attributes are included
   * @return the body, or empty if none is cached or it expired
   */
  public Optional<String> get(
      ChannelId channel, int limit, @Nullable String cursor, boolean attributes) {
    if (!enabled()) {
      return Optional.empty();
    }
    Map<PageKey, Entry> pages = channels.get(channel);
    if (pages == null) {
      return Optional.empty();
    }
    Entry e = pages.get(new PageKey(limit, cursor, attributes));
    if (e == null || nanoTime.getAsLong() - e.expiresAt >= 0) {
      return Optional.empty();
    }
    return Optional.of(e.body);
  }

  /**
   * Caches a body.
   *
   * @param channel the channel
   * @param limit the page size
   * @param cursor the cursor, or null
   * @param attributes whether attributes are included
   * @param body the response body
   */
  public void put(
      ChannelId channel, int limit, @Nullable String cursor, boolean attributes, String body) {
    if (!enabled()) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (channels.size() >= maxChannels && !channels.containsKey(channel)) {
      channels.values().forEach(pages -> pages.values().removeIf(e -> now - e.expiresAt >= 0));
      channels.values().removeIf(Map::isEmpty);
      if (channels.size() >= maxChannels) {
        channels.clear();
      }
    }
    channels
        .computeIfAbsent(channel, c -> new ConcurrentHashMap<>())
        .put(new PageKey(limit, cursor, attributes), new Entry(body, now + ttlNanos));
  }

  /**
   * Drops every cached page of a channel.
   *
   * @param channel the channel
   */
  public void invalidate(ChannelId channel) {
    channels.remove(channel);
  }

  /**
   * The number of channels with cached pages.
   *
   * @return the count
   */
  int channelCount() {
    return channels.size();
  }
}
