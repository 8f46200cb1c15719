package dev.presence.web.rest;

import dev.presence.ChannelId;
import java.time.Duration;
import java.util.Iterator;
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
 * nodes) show once the entry expires.
 *
 * <p><b>Bounded.</b> A cursor is any text a client sends, so clients can mint any number of keys.
 * The cache therefore holds at most {@code maxPerChannel} entries per channel, {@code maxEntries}
 * entries in all and {@code maxChars} characters of response bodies in all. Expired entries are
 * dropped by a sweep that runs at most once per TTL when an entry is added, whenever a bound is
 * reached, and when {@link #entries()} is read (the metrics scrape), so memory never holds expired
 * entries for long. An entry that would exceed a bound after the sweep is not cached: the response
 * is served uncached, which costs a store read and nothing else. Entries already cached are never
 * pushed out by new ones, so minted cursors cannot evict the pages that real clients read.
 *
 * <p>Thread-safe: reads are lock-free; changes are serialized.
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
  private final int maxPerChannel;
  private final int maxEntries;
  private final long maxChars;
  private final ConcurrentHashMap<ChannelId, Map<PageKey, Entry>> channels =
      new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private int entries; // guarded by lock
  private long chars; // guarded by lock
  private long nextSweep; // guarded by lock

  /**
   * Creates a cache.
   *
   * @param ttl how long an entry is served; zero disables the cache
   * @param nanoTime the monotonic clock ({@code System::nanoTime})
   * @param maxPerChannel the most entries (pages) held for one channel
   * @param maxEntries the most entries held in all
   * @param maxChars the most characters of response bodies held in all
   */
  public ChannelUsersCache(
      Duration ttl, LongSupplier nanoTime, int maxPerChannel, int maxEntries, long maxChars) {
    if (maxPerChannel <= 0 || maxEntries <= 0 || maxChars <= 0) {
      throw new IllegalArgumentException("the cache bounds must be positive");
    }
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.maxPerChannel = maxPerChannel;
    this.maxEntries = maxEntries;
    this.maxChars = maxChars;
    this.nextSweep = nanoTime.getAsLong();
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
    if (e == null || expired(e, nanoTime.getAsLong())) {
      return Optional.empty();
    }
    return Optional.of(e.body);
  }

  /**
   * Caches a body, unless that would exceed a bound (see the class comment).
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
    PageKey key = new PageKey(limit, cursor, attributes);
    synchronized (lock) {
      long now = nanoTime.getAsLong();
      if (now - nextSweep >= 0) {
        sweep(now);
      }
      Map<PageKey, Entry> pages = channels.get(channel);
      Entry old = pages == null ? null : pages.get(key);
      int pageCount = pages == null ? 0 : pages.size();
      if (old == null && !fits(pageCount, body.length())) {
        sweep(now);
        pages = channels.get(channel);
        pageCount = pages == null ? 0 : pages.size();
        if (!fits(pageCount, body.length())) {
          return;
        }
      }
      if (old != null && chars - old.body.length() + body.length() > maxChars) {
        return;
      }
      if (pages == null) {
        pages = new ConcurrentHashMap<>();
        channels.put(channel, pages);
      }
      Entry previous = pages.put(key, new Entry(body, now + ttlNanos));
      if (previous == null) {
        entries++;
      } else {
        chars -= previous.body.length();
      }
      chars += body.length();
    }
  }

  private boolean fits(int pagesOfChannel, int bodyChars) {
    return pagesOfChannel < maxPerChannel && entries < maxEntries && chars + bodyChars <= maxChars;
  }

  /**
   * Drops every cached page of a channel.
   *
   * @param channel the channel
   */
  public void invalidate(ChannelId channel) {
    if (!channels.containsKey(channel)) {
      return;
    }
    synchronized (lock) {
      Map<PageKey, Entry> pages = channels.remove(channel);
      if (pages != null) {
        forget(pages.values());
      }
    }
  }

  /**
   * The number of entries held after dropping the expired ones; for the {@code
   * presence_query_cache_entries} gauge.
   *
   * @return the count
   */
  public int entries() {
    synchronized (lock) {
      sweep(nanoTime.getAsLong());
      return entries;
    }
  }

  /**
   * The characters of response bodies held (expired entries included until the next sweep).
   *
   * @return the count
   */
  long chars() {
    synchronized (lock) {
      return chars;
    }
  }

  /**
   * The number of channels with cached pages.
   *
   * @return the count
   */
  int channelCount() {
    return channels.size();
  }

  private void sweep(long now) {
    Iterator<Map<PageKey, Entry>> it = channels.values().iterator();
    while (it.hasNext()) {
      Map<PageKey, Entry> pages = it.next();
      Iterator<Entry> pi = pages.values().iterator();
      while (pi.hasNext()) {
        Entry e = pi.next();
        if (expired(e, now)) {
          pi.remove();
          entries--;
          chars -= e.body.length();
        }
      }
      if (pages.isEmpty()) {
        it.remove();
      }
    }
    nextSweep = now + ttlNanos;
  }

  private void forget(Iterable<Entry> removed) {
    for (Entry e : removed) {
      entries--;
      chars -= e.body.length();
    }
  }

  private static boolean expired(Entry e, long now) {
    return now - e.expiresAt >= 0;
  }
}
