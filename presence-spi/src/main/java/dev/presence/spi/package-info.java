/**
 * The Presence SPI: what storage backends, event hooks and authorizers implement.
 *
 * <p>A backend is a {@link dev.presence.spi.PresenceBackendProvider} found by {@link
 * java.util.ServiceLoader} and chosen by {@link dev.presence.spi.PresenceBackends}. It supplies a
 * {@link dev.presence.spi.PresenceStore} (cluster-wide presence state with per-channel atomic
 * operations and sequence numbers) and a {@link dev.presence.spi.PresenceEventBus} (delivery of
 * events to every node). Every backend must pass the contract kit published as this module's
 * test-jar ({@code dev.presence.spi.tck}).
 *
 * <p>Integrators add {@link dev.presence.spi.PresenceEventHook}s and a {@link
 * dev.presence.spi.PresenceAuthorizer}.
 *
 * <p>Nothing here depends on Jakarta EE or on any storage product; no vendor type crosses these
 * interfaces (use {@link dev.presence.spi.PresenceBackend#unwrap(Class)} to reach one). Everything
 * is non-null unless marked {@code @Nullable}.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.spi;

import org.jspecify.annotations.NullMarked;
