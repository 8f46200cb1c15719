/**
 * Configuration: every {@code presence.*} key, read from MicroProfile Config, system properties or
 * environment variables ({@link dev.presence.web.config.PresenceConfig}).
 */
@NullMarked
package dev.presence.web.config;

import org.jspecify.annotations.NullMarked;
