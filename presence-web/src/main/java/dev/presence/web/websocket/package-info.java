/**
 * The WebSocket endpoint {@code /ws/v1} (SPEC section 5) and its per-connection machinery.
 *
 * <p>{@link dev.presence.web.websocket.PresenceEndpoint} is the thin Jakarta WebSocket adapter; the
 * protocol lives in {@code Connection} (requests, replies, subscriptions, the connection's presence
 * session) and the delivery in {@code Outbox} (one bounded queue per connection, drained by a
 * single in-flight asynchronous send that packs queued messages into {@code batch} frames, with the
 * slow-consumer policy: resync, then close). Both are plain Java behind the small {@code Transport}
 * interface, so they are unit-tested without a container. {@link
 * dev.presence.web.websocket.WebSocketRuntime} owns the threads shared by all connections.
 * Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.presence.web.websocket;

import org.jspecify.annotations.NullMarked;
