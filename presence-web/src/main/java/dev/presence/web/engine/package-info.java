/**
 * The presence engine: sessions, liveness (timeout and grace), event ordering, subscriptions and
 * event hooks, in plain Java on top of the SPI (no Jakarta EE, no storage product), so that it runs
 * and is tested without a container.
 *
 * <p>{@link dev.presence.web.engine.PresenceEngine} is the entry point, configured by {@link
 * dev.presence.web.engine.EngineConfig} and observed through {@link
 * dev.presence.web.engine.EngineMetrics}; everything else here is internal to the engine.
 * Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.presence.web.engine;

import org.jspecify.annotations.NullMarked;
