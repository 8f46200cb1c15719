/**
 * The REST API under {@code /api/v1} (JAX-RS): its resources, the channel-users cache and the
 * receiving of request bodies. What it shares with Server-Sent Events (authentication, ids and
 * parameters, error bodies, CORS) is in {@code dev.presence.web.http}.
 */
@NullMarked
package dev.presence.web.rest;

import org.jspecify.annotations.NullMarked;
