package dev.presence.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.spi.memory.InMemoryPresenceBackendProvider;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PresenceBackendsTest {

  /** A provider with a chosen name and priority; never creates anything. */
  private record FakeProvider(String name, int priority) implements PresenceBackendProvider {
    @Override
    public PresenceBackend create(BackendContext context) {
      throw new IllegalStateException("not used");
    }
  }

  private static final PresenceBackendProvider MEMORY = new InMemoryPresenceBackendProvider();
  private static final PresenceBackendProvider HAZELCAST = new FakeProvider("hazelcast", 100);
  private static final PresenceBackendProvider CUSTOM = new FakeProvider("custom", 100);

  @Nested
  @DisplayName("discover")
  class Discover {

    @Test
    @DisplayName("finds the in-memory provider through ServiceLoader")
    void findsMemory() {
      List<PresenceBackendProvider> found =
          PresenceBackends.discover(Thread.currentThread().getContextClassLoader());

      assertThat(found)
          .filteredOn(p -> p instanceof InMemoryPresenceBackendProvider)
          .singleElement()
          .satisfies(p -> assertThat(p.name()).isEqualTo("memory"));
    }

    @Test
    @DisplayName("lists a provider class once when both class loaders see it")
    void noDuplicates() {
      List<PresenceBackendProvider> found =
          PresenceBackends.discover(PresenceBackends.class.getClassLoader());

      assertThat(found).extracting(p -> p.getClass().getName()).doesNotHaveDuplicates();
      assertThat(PresenceBackends.discover(null))
          .extracting(PresenceBackendProvider::name)
          .contains("memory");
    }
  }

  @Nested
  @DisplayName("choose")
  class Choose {

    @Test
    @DisplayName("without a name, the highest priority wins")
    void highestPriority() {
      assertThat(PresenceBackends.choose(List.of(MEMORY, HAZELCAST), null)).isSameAs(HAZELCAST);
      assertThat(PresenceBackends.choose(List.of(MEMORY), " ")).isSameAs(MEMORY);
    }

    @Test
    @DisplayName("a name selects that provider whatever its priority")
    void byName() {
      assertThat(PresenceBackends.choose(List.of(HAZELCAST, MEMORY), "memory")).isSameAs(MEMORY);
      assertThat(PresenceBackends.choose(List.of(HAZELCAST, MEMORY), " memory ")).isSameAs(MEMORY);
    }

    @Test
    @DisplayName("a tie at the top fails, naming the candidates")
    void tie() {
      assertThatThrownBy(() -> PresenceBackends.choose(List.of(MEMORY, HAZELCAST, CUSTOM), null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.store")
          .hasMessageContaining("hazelcast (priority 100")
          .hasMessageContaining("custom (priority 100")
          .hasMessageNotContaining("memory");
      assertThat(PresenceBackends.choose(List.of(MEMORY, HAZELCAST, CUSTOM), "custom"))
          .isSameAs(CUSTOM);
    }

    @Test
    @DisplayName("an unknown name fails, listing the candidates")
    void unknownName() {
      assertThatThrownBy(() -> PresenceBackends.choose(List.of(MEMORY, HAZELCAST), "redis"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'redis'")
          .hasMessageContaining("memory (priority 0")
          .hasMessageContaining("hazelcast (priority 100");
    }

    @Test
    @DisplayName("a name shared by two providers fails")
    void duplicateName() {
      PresenceBackendProvider other = new FakeProvider("memory", 5);

      assertThatThrownBy(() -> PresenceBackends.choose(List.of(MEMORY, other), "memory"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("several");
    }

    @Test
    @DisplayName("no provider at all fails with a hint")
    void none() {
      assertThatThrownBy(() -> PresenceBackends.choose(List.of(), null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no presence backend");
    }
  }
}
