package dev.presence.spi.support;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.NotJoinedException;
import dev.presence.PresentUser;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.SessionLease;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the plain data of {@link MembershipMachine} into API values and back, on the caller's side,
 * and holds the one text of each error a store reports for a refused command.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public final class MembershipValues {

  private MembershipValues() {}

  /**
   * Throws the error of a refused command.
   *
   * @param status the status of a {@link Transition}
   * @param channel the channel
   * @param maxUsers the users-per-channel limit the command was given (joins)
   * @throws ChannelFullException if a join was refused for the limit
   * @throws NotJoinedException if setting attributes was refused for the missing membership
   */
  public static void check(MembershipStatus status, ChannelId channel, int maxUsers) {
    switch (status) {
      case OK -> {}
      case FULL -> throw channelFull(channel, maxUsers);
      case NOT_JOINED -> throw notJoined(channel);
    }
  }

  /**
   * The error of a join over the users-per-channel limit.
   *
   * @param channel the channel
   * @param maxUsers the limit
   * @return a new exception
   */
  public static ChannelFullException channelFull(ChannelId channel, int maxUsers) {
    return new ChannelFullException(
        "channel '"
            + channel
            + "' is full: at most "
            + maxUsers
            + " users may be present in it at once");
  }

  /**
   * The error of setting attributes without a membership.
   *
   * @param channel the channel
   * @return a new exception
   */
  public static NotJoinedException notJoined(ChannelId channel) {
    return new NotJoinedException("join channel '" + channel + "' before setting attributes in it");
  }

  /**
   * The command of {@link dev.presence.spi.PresenceStore#join}.
   *
   * @param user the user
   * @param session the session and who keeps it alive
   * @param maxUsers the users-per-channel limit
   * @return the command
   */
  public static MembershipCommand.Join join(UserId user, SessionLease session, int maxUsers) {
    Instant expiresAt = session.expiresAt();
    return new MembershipCommand.Join(
        user.value(),
        session.id().value(),
        session.nodeId(),
        expiresAt == null ? MembershipMachine.NONE : MembershipMachine.nanos(expiresAt),
        maxUsers);
  }

  /**
   * The command of {@link dev.presence.spi.PresenceStore#release}.
   *
   * @param user the user
   * @param session the session that ended
   * @param reason how it ended
   * @param graceUntil until when the membership is held
   * @return the command
   */
  public static MembershipCommand.Release release(
      UserId user, SessionId session, CloseReason reason, Instant graceUntil) {
    return new MembershipCommand.Release(
        user.value(), session.value(), reason(reason), MembershipMachine.nanos(graceUntil));
  }

  /**
   * The event of a machine event.
   *
   * @param channel the channel it happened in
   * @param event the machine's event
   * @param now the time of the command, the event's timestamp
   * @return the event
   */
  public static PresenceEvent event(ChannelId channel, MembershipEvent event, Instant now) {
    return event(
        event.kind(),
        channel,
        UserId.of(event.user()),
        attributes(event.attributes()),
        event.occupancy(),
        event.seq(),
        now);
  }

  /**
   * The event of a machine event kind ({@link #code(PresenceEvent)}'s inverse): {@link
   * MembershipMachine#KICKED} makes a {@link Left} whose {@code kicked} is true.
   *
   * @param code the machine event kind
   * @param channel the channel
   * @param user the user
   * @param attributes the attributes
   * @param occupancy users present after the event
   * @param seq the sequence number
   * @param timestamp when it happened
   * @return the event
   * @throws IllegalStateException for an unknown code
   * @since 0.2
   */
  public static PresenceEvent event(
      int code,
      ChannelId channel,
      UserId user,
      Attributes attributes,
      int occupancy,
      long seq,
      Instant timestamp) {
    if (code == MembershipMachine.KICKED) {
      return new Left(channel, user, attributes, occupancy, seq, timestamp, true);
    }
    return PresenceEvent.of(kind(code), channel, user, attributes, occupancy, seq, timestamp);
  }

  /**
   * The machine event kind of an event: {@link #code(EventKind)}, except {@link
   * MembershipMachine#KICKED} for a kicked {@link Left}. Backends write it on the wire so that the
   * kick survives the trip.
   *
   * @param event the event
   * @return its code
   * @since 0.2
   */
  public static int code(PresenceEvent event) {
    return event instanceof Left left && left.kicked()
        ? MembershipMachine.KICKED
        : code(event.kind());
  }

  /**
   * The events of a machine's events.
   *
   * @param channel the channel they happened in
   * @param events the machine's events
   * @param now the time of the command
   * @return the events, in the same order
   */
  public static List<PresenceEvent> events(
      ChannelId channel, List<MembershipEvent> events, Instant now) {
    List<PresenceEvent> converted = new ArrayList<>(events.size());
    for (MembershipEvent e : events) {
      converted.add(event(channel, e, now));
    }
    return converted;
  }

  /**
   * The API value of a page, with the cursor of the next page.
   *
   * @param channel the channel
   * @param page the page
   * @return the channel users
   */
  public static ChannelUsers channelUsers(ChannelId channel, MembershipPage page) {
    List<PresentUser> users = new ArrayList<>(page.users().size());
    boolean withAttributes = page.attributes().size() == page.users().size();
    for (int i = 0; i < page.users().size(); i++) {
      users.add(
          new PresentUser(
              UserId.of(page.users().get(i)),
              withAttributes ? attributes(page.attributes().get(i)) : Attributes.EMPTY));
    }
    String last = page.last();
    return new ChannelUsers(
        channel,
        page.occupancy(),
        page.seq(),
        users,
        last == null ? null : PageCursors.encode(last));
  }

  /**
   * The event kind of a machine event kind.
   *
   * @param code {@link MembershipMachine#JOIN}, {@link MembershipMachine#LEAVE}, {@link
   *     MembershipMachine#TIMEOUT}, {@link MembershipMachine#ATTRIBUTES} or {@link
   *     MembershipMachine#KICKED} (a leave)
   * @return the kind
   * @throws IllegalStateException for another code
   */
  public static EventKind kind(int code) {
    return switch (code) {
      case MembershipMachine.JOIN -> EventKind.JOIN;
      case MembershipMachine.LEAVE, MembershipMachine.KICKED -> EventKind.LEAVE;
      case MembershipMachine.TIMEOUT -> EventKind.TIMEOUT;
      case MembershipMachine.ATTRIBUTES -> EventKind.ATTRIBUTES_UPDATE;
      default -> throw new IllegalStateException("unknown event kind " + code);
    };
  }

  /**
   * The machine event kind of an event kind.
   *
   * @param kind the kind
   * @return its code
   */
  public static int code(EventKind kind) {
    return switch (kind) {
      case JOIN -> MembershipMachine.JOIN;
      case LEAVE -> MembershipMachine.LEAVE;
      case TIMEOUT -> MembershipMachine.TIMEOUT;
      case ATTRIBUTES_UPDATE -> MembershipMachine.ATTRIBUTES;
    };
  }

  /**
   * The machine's close reason of a close reason.
   *
   * @param reason the reason
   * @return {@link MembershipMachine#CLEAN} or {@link MembershipMachine#LOST}
   */
  public static int reason(CloseReason reason) {
    return reason == CloseReason.CLEAN ? MembershipMachine.CLEAN : MembershipMachine.LOST;
  }

  /**
   * Attributes of their flattened form.
   *
   * @param flat key, value, key, value, ...
   * @return the attributes
   */
  public static Attributes attributes(String[] flat) {
    if (flat.length == 0) {
      return Attributes.EMPTY;
    }
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < flat.length; i += 2) {
      map.put(flat[i], flat[i + 1]);
    }
    return Attributes.of(map);
  }

  /**
   * Attributes flattened: key, value, key, value, ... in ascending key order.
   *
   * @param attributes the attributes
   * @return the flattened form
   */
  public static String[] flatten(Attributes attributes) {
    String[] flat = new String[attributes.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> e : attributes.values().entrySet()) {
      flat[i++] = e.getKey();
      flat[i++] = e.getValue();
    }
    return flat;
  }
}
