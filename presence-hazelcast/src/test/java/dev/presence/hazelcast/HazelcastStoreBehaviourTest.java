package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the Hazelcast store does beyond the contract kit: its stored form and its choices. */
class HazelcastStoreBehaviourTest {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static PresenceBackend backend;
  private static PresenceStore store;
  private static HazelcastInstance hz;

  @BeforeAll
  static void start() {
    backend =
        new HazelcastPresenceBackendProvider()
            .create(
                TestCluster.embedded()
                    .with(HazelcastConfigKeys.NAME_PREFIX, "behaviour")
                    .with(HazelcastConfigKeys.EMPTY_CHANNEL_RETENTION, "10s"));
    store = backend.store();
    hz = backend.unwrap(HazelcastInstance.class);
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  private static ChannelId channel() {
    return ChannelId.of("room-" + COUNTER.incrementAndGet());
  }

  private static UserId user() {
    return UserId.of("user-" + COUNTER.incrementAndGet());
  }

  private static SessionLease session() {
    return SessionLease.nodeBound(SessionId.of("s-" + COUNTER.incrementAndGet()), backend.nodeId());
  }

  private static List<PresenceEvent> expire(ChannelId channel, Instant now) {
    return store.expire(now, Duration.ZERO).stream()
        .filter(e -> e.channel().equals(channel))
        .toList();
  }

  @Test
  @DisplayName("the structures are named by the prefix and the channels map stores OBJECT values")
  void structureNames() {
    assertThat(hz.getConfig().getMapConfig("behaviour.channels").getInMemoryFormat())
        .hasToString("OBJECT");
    assertThat(hz.getConfig().getMapConfig("behaviour.channels").getBackupCount()).isEqualTo(1);
    assertThat(hz.getConfig().getTopicConfig("behaviour.events").isGlobalOrderingEnabled())
        .isFalse();
  }

  @Test
  @DisplayName("a stored channel holds JDK types only, never a class of this application")
  void storedFormIsJdkTypesOnly() {
    ChannelId channel = channel();
    UserId user = user();
    store.join(channel, user, session(), 10, T0);
    store.join(
        channel, user, SessionLease.leaseBound(SessionId.of("lease"), T0.plusSeconds(9)), 10, T0);
    store.setAttributes(channel, user, Attributes.of(Map.of("mood", "happy")), T0);

    IMap<String, Object> channels = hz.getMap("behaviour.channels");
    assertJdkOnly(channels.get(channel.value()));
    IMap<String, Object> index = hz.getMap("behaviour.user-channels");
    assertJdkOnly(index.get(user.value()));
  }

  /** Checks that a value and everything in it is of a class of the JDK (boot class loader). */
  private static void assertJdkOnly(Object value) {
    assertThat(value).isNotNull();
    assertThat(value.getClass().getClassLoader())
        .as("class loader of %s", value.getClass())
        .isNull();
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            assertJdkOnly(k);
            assertJdkOnly(v);
          });
    } else if (value instanceof Collection<?> collection) {
      collection.forEach(HazelcastStoreBehaviourTest::assertJdkOnly);
    } else if (value instanceof Object[] array) {
      for (Object element : array) {
        if (element != null) {
          assertJdkOnly(element);
        }
      }
    }
  }

  @Test
  @DisplayName("an empty channel keeps its seq for the retention, then is removed and restarts")
  void emptyChannelRetention() {
    ChannelId channel = channel();
    UserId user = user();
    SessionLease session = session();
    store.join(channel, user, session, 10, T0);
    store.leave(channel, user, session.id(), T0);

    assertThat(expire(channel, T0.plusSeconds(9))).isEmpty();
    assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 2));
    assertThat(store.join(channel, user, session, 10, T0.plusSeconds(9)).orElseThrow().seq())
        .isEqualTo(3);
    store.leave(channel, user, session.id(), T0.plusSeconds(9));

    assertThat(expire(channel, T0.plusSeconds(19).minusNanos(1))).isEmpty();
    assertThat(hz.getMap("behaviour.channels").containsKey(channel.value())).isTrue();
    assertThat(expire(channel, T0.plusSeconds(19))).isEmpty();
    assertThat(hz.getMap("behaviour.channels").containsKey(channel.value())).isFalse();
    assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 0));
  }

  @Test
  @DisplayName("channelsOf drops and cleans a stale index entry")
  void staleIndexEntryIsFiltered() {
    ChannelId real = channel();
    ChannelId ghost = channel();
    UserId user = user();
    store.join(real, user, session(), 10, T0);
    IMap<String, Object> index = hz.getMap("behaviour.user-channels");
    index.executeOnKey(
        user.value(),
        entry -> {
          @SuppressWarnings("unchecked")
          TreeMap<String, Long> channels = (TreeMap<String, Long>) entry.getValue();
          channels.put(ghost.value(), 7L);
          entry.setValue(channels);
          return null;
        });

    assertThat(store.channelsOf(user)).containsExactly(real);
    @SuppressWarnings("unchecked")
    Map<String, Long> cleaned = (Map<String, Long>) index.get(user.value());
    assertThat(cleaned).containsOnlyKeys(real.value());
  }

  @Test
  @DisplayName("cursors are opaque, and a cursor of another form is refused")
  void cursors() {
    ChannelId channel = channel();
    for (int i = 0; i < 3; i++) {
      store.join(channel, user(), session(), 10, T0);
    }
    String next = store.users(channel, new PageRequest(2, null, false)).next();

    assertThat(next).isNotNull().doesNotContain("user-");
    assertThat(store.users(channel, new PageRequest(2, next, false)).users()).hasSize(1);
    assertThatThrownBy(() -> store.users(channel, new PageRequest(2, "u1.$$$", false)))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> store.users(channel, new PageRequest(2, "u1.ISE", false)))
        .isInstanceOf(InvalidArgumentException.class);
    // base64url of bytes that are not UTF-8 (an encoded lone surrogate, a cut sequence)
    assertThatThrownBy(() -> store.users(channel, new PageRequest(2, "u1.7aCA", false)))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> store.users(channel, new PageRequest(2, "u1.YcM", false)))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  @DisplayName("a store whose instance is gone throws UnavailableException")
  void unavailableWhenInstanceIsGone() {
    PresenceBackend lonely = new HazelcastPresenceBackendProvider().create(TestCluster.embedded());
    lonely.unwrap(HazelcastInstance.class).getLifecycleService().terminate();

    assertThat(lonely.isAvailable()).isFalse();
    assertThatThrownBy(() -> lonely.store().occupancy(channel()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageNotContaining("Hazelcast");
    assertThatThrownBy(() -> lonely.store().join(channel(), user(), session(), 10, T0))
        .isInstanceOf(UnavailableException.class);
    assertThatCode(() -> lonely.eventBus().publish(List.of())).doesNotThrowAnyException();
    PresenceEvent event =
        PresenceEvent.of(EventKind.JOIN, channel(), user(), Attributes.EMPTY, 1, 1, T0);
    assertThatThrownBy(() -> lonely.eventBus().publish(List.of(event)))
        .isInstanceOf(UnavailableException.class);
    lonely.close();
  }
}
