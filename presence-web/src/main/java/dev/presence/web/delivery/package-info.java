/**
 * Outbound delivery, whatever the transport: {@link dev.presence.web.delivery.SubscriptionStream},
 * the stream of one subscription's events to one client and the one slow-consumer policy of
 * WebSocket and Server-Sent Events, and {@link dev.presence.web.delivery.DeliveryQueue}, the
 * bounded queue of one connection that carries it out. Plain Java (no Jakarta imports), unit-tested
 * without a container; the transports add only how messages reach the socket (WebSocket: {@code
 * Outbox}, one asynchronous send in flight, {@code batch} frames and a ping-acknowledged send
 * window; SSE: {@code SseConnection}, blocking writes on a bounded pool of sender threads).
 * Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.presence.web.delivery;

import org.jspecify.annotations.NullMarked;
