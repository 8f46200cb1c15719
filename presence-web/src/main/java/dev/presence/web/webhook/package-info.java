/**
 * Webhooks (SPEC 13.4): every presence event, once in the cluster, POSTed as signed JSON batches to
 * the URLs of {@code presence.webhooks.url}.
 *
 * <p>{@link Webhooks} is an event hook (run by the engine like any other, so on the channel's hook
 * owner, once per event cluster-wide) that turns each event into webhook events ({@link
 * WebhookEvent}) and hands them to one {@link WebhookTarget} per URL: a bounded queue, batches of
 * at most 100 events or 1 s, one request in flight, retries with exponential backoff and jitter
 * ({@link Backoff}), on a thread of its own. {@link HttpWebhookTransport} sends with {@code
 * java.net.http.HttpClient}; {@link WebhookSigner} signs.
 */
@NullMarked
package dev.presence.web.webhook;

import org.jspecify.annotations.NullMarked;
