/**
 * PubNub's presence protocol (SPEC 13.6, {@code /work/shared/PUBNUB.md}): the unmodified {@code
 * pubnub} JavaScript SDK (7.x and 12.x) and {@code @livelike/javascript} work against this server.
 *
 * <p>{@link PubNubApplication} serves {@code /v2/...} (subscribe, heartbeat, leave, here_now,
 * where_now, state), {@link PubNubServlet} serves {@code /time/0} and answers the PubNub operations
 * that are not presence (publish, signal, access manager) with PubNub's error shape. Every request
 * names its caller in {@code auth} (our JWT) and {@code uuid} (its subject). A heartbeat, or a
 * subscribe to a channel, joins it through the engine's API sessions ({@link
 * dev.presence.web.engine.PrecheckedPresence#join(dev.presence.ChannelId, dev.presence.UserId,
 * java.time.Duration)}) with the client's heartbeat as the lease, so PubNub clients and WebSocket
 * or REST clients are one presence model. A subscribe to {@code c-pnpres} observes {@code c}:
 * {@link PubNubHub} keeps, per channel and node, a bounded buffer of the channel's events as PubNub
 * envelopes keyed by timetoken, and answers long-polls from it (asynchronous JAX-RS: no thread is
 * held by a waiting poll).
 */
@NullMarked
package dev.presence.web.pubnub;

import org.jspecify.annotations.NullMarked;
