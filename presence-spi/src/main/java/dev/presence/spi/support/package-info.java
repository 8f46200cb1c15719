/**
 * Building blocks for backend implementers: <b>not application API</b>. Applications use {@code
 * dev.presence}; backends implement {@code dev.presence.spi} and may use this package to do so.
 * Anything here may change in any release, without deprecation.
 *
 * <p>{@link dev.presence.spi.support.MembershipMachine} is the one implementation of the membership
 * rules of {@link dev.presence.spi.PresenceStore} (join, leave, release with grace, node release,
 * expiry, attributes, the per-channel sequence): a backend keeps one channel's state as plain data,
 * hands it to the machine with a {@link dev.presence.spi.support.MembershipCommand} and the time,
 * and stores what comes back. Backends differ only in where the state lives and how a change is
 * made atomic (a monitor, a Hazelcast entry processor, a Redis transaction); the rules, the event
 * sequence, the cursor form ({@link dev.presence.spi.support.PageCursors}) and the error texts
 * ({@link dev.presence.spi.support.MembershipValues}) are the same everywhere.
 *
 * <p>The machine and its commands, events and pages hold JDK types only and use no class of the
 * Presence API, so they may run where only this package and the JDK can be loaded (a Hazelcast
 * member running a backend's entry processor). {@link dev.presence.spi.support.MembershipValues}
 * and {@link dev.presence.spi.support.PageCursors} turn them into API values on the caller's side.
 *
 * <p>{@link dev.presence.spi.support.ConfigDurations} is the one parser of durations written in
 * configuration, the server's keys and the backends' alike.
 *
 * <p>{@link dev.presence.spi.support.NamedThreads} makes the daemon threads of the backends and the
 * server, so that every thread of Presence is named the same way.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.spi.support;

import org.jspecify.annotations.NullMarked;
