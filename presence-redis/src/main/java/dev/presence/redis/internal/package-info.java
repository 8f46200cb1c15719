/**
 * The implementation of the Redis backend; not API. See {@code presence.lua} beside these classes
 * for the data layout in Redis.
 */
@NullMarked
package dev.presence.redis.internal;

import org.jspecify.annotations.NullMarked;
