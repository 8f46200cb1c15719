/**
 * The contract kit: abstract JUnit 5 test classes that every storage backend runs, shipped as
 * presence-spi's test-jar (classifier {@code tests}).
 *
 * <p>To run the kit against a backend, depend on {@code dev.presence:presence-spi:<version>:tests}
 * (type {@code test-jar}, scope {@code test}) together with JUnit Jupiter, AssertJ and Awaitility,
 * and extend each {@code *Contract} class in a {@code *ContractTest} of your own, implementing its
 * abstract factory methods:
 *
 * <ul>
 *   <li>{@link dev.presence.spi.tck.PresenceBackendContract}: the backend object itself (node id,
 *       capabilities, unwrap, close) and its ServiceLoader registration;
 *   <li>{@link dev.presence.spi.tck.PresenceStoreContract}: the semantics of {@link
 *       dev.presence.spi.PresenceStore}, including concurrency;
 *   <li>{@link dev.presence.spi.tck.PresenceEventBusContract}: delivery order and registrations of
 *       {@link dev.presence.spi.PresenceEventBus};
 *   <li>{@link dev.presence.spi.tck.ClusteredBackendContract}: for backends with {@link
 *       dev.presence.spi.Capability#CLUSTERED}, two or three members of one cluster, including the
 *       abrupt loss of a member. Backends without the capability skip it.
 *   <li>{@link dev.presence.spi.tck.BackendOutageContract}: for backends whose state lives
 *       elsewhere, the time while it cannot be reached (availability, refusals that change nothing,
 *       recovery).
 * </ul>
 *
 * <p>The kit never sleeps: the store takes the current time as an argument, so tests pass the
 * instants they need, and asynchronous delivery is awaited with Awaitility. Every test uses fresh
 * channel, user, session and node names, so a backend that is expensive to start may return the
 * same instance to every test (override the {@code releaseBackend} hook so it is not closed after
 * each test).
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.spi.tck;

import org.jspecify.annotations.NullMarked;
