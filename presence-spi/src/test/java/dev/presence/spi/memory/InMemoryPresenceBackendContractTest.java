package dev.presence.spi.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import dev.presence.spi.BackendContext;
import dev.presence.spi.Capability;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.tck.PresenceBackendContract;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the backend contract against the in-memory backend, plus what is specific to it. */
class InMemoryPresenceBackendContractTest extends PresenceBackendContract {

  private static final BackendContext NO_CONFIG =
      new BackendContext() {
        @Override
        public Optional<String> config(String key) {
          return Optional.empty();
        }

        @Override
        public <T> Optional<T> lookup(Class<T> type) {
          return Optional.empty();
        }

        @Override
        public ClassLoader classLoader() {
          return InMemoryPresenceBackendContractTest.class.getClassLoader();
        }
      };

  @Override
  protected PresenceBackendProvider provider() {
    return new InMemoryPresenceBackendProvider();
  }

  @Override
  protected PresenceBackend createBackend() {
    return provider().create(NO_CONFIG);
  }

  @Test
  @DisplayName("the provider is named memory with priority 0; the backend has only ADMINISTRATION")
  void nameAndCapabilities() {
    try (PresenceBackend backend = createBackend()) {
      assertThat(provider().name()).isEqualTo("memory");
      assertThat(provider().priority()).isZero();
      assertThat(backend.capabilities()).containsExactly(Capability.ADMINISTRATION);
      assertThat(backend.eventBus().isHookOwner(ChannelId.of("any"))).isTrue();
      assertThat(backend.unwrap(InMemoryPresenceBackend.class)).isSameAs(backend);
      assertThat(backend.nodeId()).startsWith("memory-");
    }
  }
}
