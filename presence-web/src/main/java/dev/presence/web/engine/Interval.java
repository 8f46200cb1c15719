package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The net change of a channel over the events {@code fromSeq..toSeq}, gap-free: the message of
 * interval mode (SPEC 13.3), made by {@link ChannelIntervals}.
 *
 * <p><b>Rules.</b> Each user is judged by the first and the last of their events in the interval: a
 * first event {@code join} means the user was absent before the interval, any other first event
 * (leave, timeout, attributesUpdate) that they were present; a last event {@code join} or {@code
 * attributesUpdate} means present after it, {@code leave} or {@code timeout} absent.
 *
 * <ul>
 *   <li>absent before, present after: in {@link #join()}; their last attributes in {@link
 *       #attributes()} when not empty (a joiner without an entry there has no attributes);
 *   <li>present before, absent after: in {@link #leave()} or {@link #timeout()}, by the kind of
 *       their last event (a kick is a leave); never in {@link #attributes()};
 *   <li>present before and after (attribute changes, or a leave or timeout followed by a join): in
 *       no list, their last attributes in {@link #attributes()}, also when empty (so a client that
 *       held other attributes from before learns they are gone);
 *   <li>absent before and after (join then leave or timeout, also join, leave, join, leave): in no
 *       list and not in {@link #attributes()}.
 * </ul>
 *
 * <p>Lists and the attributes map are in the order of each user's last event. {@link #occupancy()}
 * is the occupancy after {@code toSeq}.
 *
 * <p>Immutable and thread-safe; equal to another interval of the same events; the transports cache
 * their message text on it ({@link #text}) so that a fan-out to many observers serializes it once.
 */
public final class Interval {

  private final ChannelId channel;
  private final List<PresenceEvent> events;
  private final List<UserId> join;
  private final List<UserId> leave;
  private final List<UserId> timeout;
  private final Map<UserId, Attributes> attributes;
  private volatile @Nullable Object text;

  private Interval(ChannelId channel, List<PresenceEvent> events) {
    this.channel = channel;
    this.events = events;
    Map<UserId, PresenceEvent> first = new HashMap<>();
    Map<UserId, PresenceEvent> last = new LinkedHashMap<>();
    for (PresenceEvent e : events) {
      first.putIfAbsent(e.userId(), e);
      last.remove(e.userId()); // re-insert: the map ends in the order of each user's last event
      last.put(e.userId(), e);
    }
    List<UserId> joined = new ArrayList<>();
    List<UserId> left = new ArrayList<>();
    List<UserId> timedOut = new ArrayList<>();
    Map<UserId, Attributes> attrs = new LinkedHashMap<>();
    for (Map.Entry<UserId, PresenceEvent> entry : last.entrySet()) {
      UserId user = entry.getKey();
      PresenceEvent end = entry.getValue();
      boolean before = first.get(user).kind() != EventKind.JOIN;
      boolean after = end.kind() == EventKind.JOIN || end.kind() == EventKind.ATTRIBUTES_UPDATE;
      if (!before && after) {
        joined.add(user);
        if (!end.attributes().isEmpty()) {
          attrs.put(user, end.attributes());
        }
      } else if (before && !after) {
        (end.kind() == EventKind.TIMEOUT ? timedOut : left).add(user);
      } else if (before) {
        attrs.put(user, end.attributes());
      }
    }
    this.join = Collections.unmodifiableList(joined);
    this.leave = Collections.unmodifiableList(left);
    this.timeout = Collections.unmodifiableList(timedOut);
    this.attributes = Collections.unmodifiableMap(attrs);
  }

  /**
   * The interval of consecutive events of one channel.
   *
   * @param channel the channel
   * @param events the events, in {@code seq} order without gaps; at least one
   * @return the interval
   * @throws IllegalArgumentException if the list is empty, has a gap or another channel's event
   */
  public static Interval of(ChannelId channel, List<PresenceEvent> events) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("an interval covers at least one event");
    }
    long expected = events.get(0).seq();
    for (PresenceEvent e : events) {
      if (e.seq() != expected++ || !e.channel().equals(channel)) {
        throw new IllegalArgumentException("an interval covers consecutive events of its channel");
      }
    }
    return new Interval(channel, List.copyOf(events));
  }

  /**
   * The part of this interval after {@code seq}: what an observer whose snapshot reflects {@code
   * seq} is sent.
   *
   * @param seq a seq with {@code fromSeq() <= seq < toSeq()}
   * @return the interval of the events after {@code seq}
   */
  public Interval after(long seq) {
    int skip = (int) (seq - fromSeq() + 1);
    if (skip <= 0) {
      return this;
    }
    return new Interval(channel, events.subList(skip, events.size()));
  }

  /**
   * The channel.
   *
   * @return the channel
   */
  public ChannelId channel() {
    return channel;
  }

  /**
   * The first seq covered.
   *
   * @return the seq
   */
  public long fromSeq() {
    return events.get(0).seq();
  }

  /**
   * The last seq covered.
   *
   * @return the seq
   */
  public long toSeq() {
    return events.get(events.size() - 1).seq();
  }

  /**
   * Users present after {@link #toSeq()}.
   *
   * @return the occupancy
   */
  public int occupancy() {
    return events.get(events.size() - 1).occupancy();
  }

  /**
   * Users who were absent before the interval and are present after it.
   *
   * @return the users, unmodifiable
   */
  public List<UserId> join() {
    return join;
  }

  /**
   * Users who were present before the interval and left (or were kicked).
   *
   * @return the users, unmodifiable
   */
  public List<UserId> leave() {
    return leave;
  }

  /**
   * Users who were present before the interval and timed out.
   *
   * @return the users, unmodifiable
   */
  public List<UserId> timeout() {
    return timeout;
  }

  /**
   * The last attributes of users present after the interval (see the class comment).
   *
   * @return the attributes by user, unmodifiable
   */
  public Map<UserId, Attributes> attributes() {
    return attributes;
  }

  /**
   * The events the interval covers.
   *
   * @return the events in seq order, unmodifiable
   */
  public List<PresenceEvent> events() {
    return events;
  }

  /**
   * A text made from this interval once and kept: the first call's {@code render} wins (a race only
   * costs a second rendering).
   *
   * @param render makes the text
   * @param <T> the text type
   * @return the text
   */
  @SuppressWarnings("unchecked")
  public <T> T text(Function<Interval, T> render) {
    Object t = text;
    if (t == null) {
      t = render.apply(this);
      text = t;
    }
    return (T) t;
  }

  /** Equal when the same events of the same channel: so the same message. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Interval other
        && channel.equals(other.channel)
        && events.equals(other.events);
  }

  @Override
  public int hashCode() {
    return channel.hashCode() * 31 + events.hashCode();
  }

  @Override
  public String toString() {
    return "Interval["
        + channel
        + " "
        + fromSeq()
        + ".."
        + toSeq()
        + " occupancy="
        + occupancy()
        + " join="
        + join
        + " leave="
        + leave
        + " timeout="
        + timeout
        + " attributes="
        + attributes
        + "]";
  }
}
