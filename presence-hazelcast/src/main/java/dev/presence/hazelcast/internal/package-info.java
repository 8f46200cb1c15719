/**
 * The implementation of the Hazelcast backend. Not an API: anything here may change in any release.
 * See the module README for the data layout.
 */
@NullMarked
package dev.presence.hazelcast.internal;

import org.jspecify.annotations.NullMarked;
