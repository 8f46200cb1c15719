/**
 * The Hazelcast storage backend of Presence: {@link
 * dev.presence.hazelcast.HazelcastPresenceBackendProvider} (name {@code hazelcast}, priority 100),
 * found by {@link java.util.ServiceLoader}, and its configuration keys, {@link
 * dev.presence.hazelcast.HazelcastConfigKeys}.
 *
 * <p>No Hazelcast type appears in this package's signatures; {@code
 * PresenceBackend.unwrap(HazelcastInstance.class)} gives the instance in use.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.hazelcast;

import org.jspecify.annotations.NullMarked;
