/**
 * The WebSocket endpoint {@code /ws/v1} (SPEC section 5) and its per-connection machinery.
 *
 * <p>{@link dev.presence.web.websocket.PresenceEndpoint} is the thin Jakarta WebSocket adapter; the
 * protocol lives in {@code Connection} (requests, replies, subscriptions, the connection's presence
 * session) and the delivery in {@code Outbox}: the connection's bounded {@link
 * dev.presence.web.delivery.DeliveryQueue} under the slow-consumer policy shared with SSE (resync,
 * then close), drained by {@code FrameSender}, a single in-flight asynchronous send that packs
 * queued messages into {@code Batch} frames within the ping-acknowledged {@code AckWindow}. All are
 * plain Java behind the small {@code Transport} interface, so they are unit-tested without a
 * container. {@link dev.presence.web.websocket.WebSocketRuntime} owns the threads shared by all
 * connections. Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.presence.web.websocket;

import org.jspecify.annotations.NullMarked;
