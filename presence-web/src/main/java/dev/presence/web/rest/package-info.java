/**
 * The REST API under {@code /api/v1} (JAX-RS) and the one exception mapper of the specification's
 * error bodies.
 */
@NullMarked
package dev.presence.web.rest;

import org.jspecify.annotations.NullMarked;
