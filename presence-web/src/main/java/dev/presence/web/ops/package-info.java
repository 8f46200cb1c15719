/** Operations endpoints outside {@code /api/v1}: health, Prometheus metrics. */
@NullMarked
package dev.presence.web.ops;

import org.jspecify.annotations.NullMarked;
