/**
 * The in-memory reference backend: presence state and events of a single node, held in this
 * process.
 *
 * <p>{@link dev.presence.spi.memory.InMemoryPresenceBackendProvider} registers it for {@link
 * java.util.ServiceLoader} under the name {@code memory} with priority 0, so it is chosen only when
 * no other backend is on the class path or when {@code presence.store=memory} is configured. It
 * serves one node (no {@link dev.presence.spi.Capability}), keeps nothing across restarts, and is
 * the implementation the contract kit ({@code dev.presence.spi.tck}, in this module's test-jar) is
 * proven against.
 *
 * <p>Everything here is thread-safe and non-null unless marked {@code @Nullable}.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.spi.memory;

import org.jspecify.annotations.NullMarked;
