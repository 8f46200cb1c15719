package dev.presence.web.pubnub;

import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceLimits;
import dev.presence.web.http.Requests;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A channel list of a PubNub path (PUBNUB.md 1.1): the decoded segment split on {@code ,}, empty
 * entries dropped, duplicates dropped ({@code c,c} from pubnub 7's leave), each name checked as our
 * channel ids are; names ending in {@code -pnpres} are presence channels (observing the channel
 * without the suffix). A name cannot hold {@code ,}: pubnub 7 could not express it.
 *
 * @param channels the channels joined, in request order
 * @param observed the channels whose {@code -pnpres} companion was listed, in request order
 * @param names every name as listed (deduped), for error payloads
 */
record PubNubChannels(List<ChannelId> channels, List<ChannelId> observed, List<String> names) {

  /** The suffix of a presence channel. */
  static final String PRESENCE_SUFFIX = "-pnpres";

  /** The most names in one list. */
  static final int MAX_NAMES = 200;

  PubNubChannels {
    channels = List.copyOf(channels);
    observed = List.copyOf(observed);
    names = List.copyOf(names);
  }

  /**
   * Parses a list.
   *
   * @param decoded the percent-decoded path segment
   * @param limits the channel-id limits
   * @param allowPresence whether {@code -pnpres} names are allowed (subscribe only)
   * @return the list, possibly empty
   * @throws PubNubException 400 for too many names or an invalid one
   */
  static PubNubChannels parse(String decoded, PresenceLimits limits, boolean allowPresence) {
    Set<String> names = new LinkedHashSet<>();
    int start = 0;
    while (start <= decoded.length()) {
      int comma = decoded.indexOf(',', start);
      int end = comma < 0 ? decoded.length() : comma;
      if (end > start) {
        names.add(decoded.substring(start, end));
        if (names.size() > MAX_NAMES) {
          throw PubNubException.badRequest("at most " + MAX_NAMES + " channels per request");
        }
      }
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
    Set<ChannelId> channels = new LinkedHashSet<>();
    Set<ChannelId> observed = new LinkedHashSet<>();
    for (String name : names) {
      if (allowPresence
          && name.endsWith(PRESENCE_SUFFIX)
          && name.length() > PRESENCE_SUFFIX.length()) {
        observed.add(channel(name.substring(0, name.length() - PRESENCE_SUFFIX.length()), limits));
      } else {
        channels.add(channel(name, limits));
      }
    }
    return new PubNubChannels(
        new ArrayList<>(channels), new ArrayList<>(observed), new ArrayList<>(names));
  }

  /** One channel name, checked. */
  static ChannelId channel(String name, PresenceLimits limits) {
    try {
      return Requests.channel(name, limits);
    } catch (InvalidArgumentException e) {
      throw PubNubException.badRequest(e.getMessage());
    }
  }

  boolean isEmpty() {
    return channels.isEmpty() && observed.isEmpty();
  }
}
