package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which backends the engine accepts: none that would leave the sessions of a dead node present. */
class BackendAcceptanceTest {

  @Test
  @DisplayName("a clustered backend that cannot detect node loss is refused, naming the capability")
  void clusteredWithoutNodeLossDetectionIsRefused() {
    try (InMemoryPresenceBackend memory = new InMemoryPresenceBackend()) {
      PresenceBackend blind = new Claiming(memory, Set.of(Capability.CLUSTERED));

      assertThatThrownBy(
              () ->
                  new PresenceEngine(
                      blind, EngineConfig.defaults(), InstantSource.system(), List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("NODE_LOSS_DETECTION")
          .hasMessageContaining("cannot detect the loss of a node");
    }
  }

  @Test
  @DisplayName("a single-node backend, and a clustered one that detects node loss, are accepted")
  void singleNodeAndDetectingBackendsAreAccepted() {
    try (InMemoryPresenceBackend memory = new InMemoryPresenceBackend()) {
      for (Set<Capability> capabilities :
          List.of(
              Set.<Capability>of(), Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION))) {
        PresenceBackend backend = new Claiming(memory, capabilities);
        try (PresenceEngine engine =
            new PresenceEngine(
                backend, EngineConfig.defaults(), InstantSource.system(), List.of())) {
          assertThat(engine).isNotNull();
        }
      }
    }
  }

  /** The in-memory backend claiming other capabilities. */
  private record Claiming(InMemoryPresenceBackend delegate, Set<Capability> capabilities)
      implements PresenceBackend {

    @Override
    public String nodeId() {
      return delegate.nodeId();
    }

    @Override
    public PresenceStore store() {
      return delegate.store();
    }

    @Override
    public PresenceEventBus eventBus() {
      return delegate.eventBus();
    }

    @Override
    public boolean isAvailable() {
      return delegate.isAvailable();
    }

    @Override
    public Registration addClusterListener(ClusterListener listener) {
      return delegate.addClusterListener(listener);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
      return delegate.unwrap(type);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
