package dev.presence.spi.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.spi.Capability;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.PresenceBackends;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link PresenceBackendProvider} and the {@link PresenceBackend} object: how it
 * is found, named and closed.
 *
 * <p><b>How to use it.</b> Extend this class and implement {@link #provider()} (a new instance of
 * your provider class) and {@link #createBackend()} (a new backend that the test closes). Each test
 * that needs a backend creates its own and closes it, so {@code createBackend()} must not return a
 * shared instance here.
 *
 * @since 0.1
 */
public abstract class PresenceBackendContract {

  /** Creates the contract; subclasses need a no-argument constructor, as any JUnit test. */
  protected PresenceBackendContract() {}

  /**
   * A new instance of the provider class under test.
   *
   * @return the provider
   */
  protected abstract PresenceBackendProvider provider();

  /**
   * A new, open backend of the provider under test; the test closes it.
   *
   * @return the backend
   */
  protected abstract PresenceBackend createBackend();

  @Test
  @DisplayName("the provider is registered for ServiceLoader and found by PresenceBackends")
  void providerIsDiscovered() {
    Class<?> providerClass = provider().getClass();

    assertThat(PresenceBackends.discover(Thread.currentThread().getContextClassLoader()))
        .filteredOn(p -> p.getClass() == providerClass)
        .hasSize(1)
        .allSatisfy(p -> assertThat(p.name()).isEqualTo(provider().name()));
  }

  @Test
  @DisplayName("the provider's name is lower-case letters, digits and dashes, and stable")
  void providerName() {
    PresenceBackendProvider provider = provider();

    assertThat(provider.name()).matches("[a-z0-9]+(-[a-z0-9]+)*");
    assertThat(provider.name()).isEqualTo(provider.name());
    assertThat(provider.priority()).isEqualTo(provider().priority());
  }

  @Test
  @DisplayName(
      "an open backend is available and not failed, with a non-blank node id that stays the same")
  void openBackend() {
    try (PresenceBackend backend = createBackend()) {
      assertThat(backend.isAvailable()).isTrue();
      assertThat(backend.isFailed()).isFalse();
      assertThat(backend.nodeId()).isNotBlank();
      assertThat(backend.nodeId()).isEqualTo(backend.nodeId());
      assertThat(backend.store()).isNotNull();
      assertThat(backend.eventBus()).isNotNull();
    }
  }

  @Test
  @DisplayName("two backends have different node ids")
  void distinctNodeIds() {
    try (PresenceBackend first = createBackend();
        PresenceBackend second = createBackend()) {
      assertThat(first.nodeId()).isNotEqualTo(second.nodeId());
    }
  }

  @Test
  @DisplayName("capabilities are immutable and agree with isSupported")
  void capabilities() {
    try (PresenceBackend backend = createBackend()) {
      Set<Capability> capabilities = backend.capabilities();

      for (Capability capability : Capability.values()) {
        assertThat(backend.isSupported(capability))
            .as("isSupported(%s)", capability)
            .isEqualTo(capabilities.contains(capability));
      }
      assertThatThrownBy(() -> capabilities.add(Capability.CLUSTERED))
          .isInstanceOf(UnsupportedOperationException.class);
      if (capabilities.contains(Capability.NODE_LOSS_DETECTION)) {
        assertThat(capabilities).as("node loss needs a cluster").contains(Capability.CLUSTERED);
      }
      assertThat(EnumSet.allOf(Capability.class)).containsAll(capabilities);
    }
  }

  @Test
  @DisplayName("unwrap of a type the backend has no object of throws IllegalArgumentException")
  void unwrapUnknownType() {
    try (PresenceBackend backend = createBackend()) {
      assertThatThrownBy(() -> backend.unwrap(UnrelatedType.class))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @DisplayName("close is idempotent")
  void closeIsIdempotent() {
    PresenceBackend backend = createBackend();

    backend.close();
    backend.close();
  }

  /** A type no backend can unwrap to. */
  private interface UnrelatedType {}
}
