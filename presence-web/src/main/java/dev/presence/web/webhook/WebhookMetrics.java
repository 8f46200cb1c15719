package dev.presence.web.webhook;

/**
 * Webhook counters of this node, over all URLs; they grow from deployment and never reset.
 *
 * @param queued events waiting in the queues now (not counting batches in flight)
 * @param delivered events in batches a receiver answered 2xx
 * @param batches batches a receiver answered 2xx
 * @param failedAttempts attempts not answered 2xx, or not answered
 * @param droppedQueueFull events dropped because a URL's queue was full
 * @param droppedRetries events dropped because their batch failed for presence.webhooks.max-retry
 * @param droppedShutdown events dropped because the node stopped before they could be sent
 */
public record WebhookMetrics(
    long queued,
    long delivered,
    long batches,
    long failedAttempts,
    long droppedQueueFull,
    long droppedRetries,
    long droppedShutdown) {

  /** No webhooks. */
  public static final WebhookMetrics NONE = new WebhookMetrics(0, 0, 0, 0, 0, 0, 0);

  /**
   * The sum of two.
   *
   * @param o the other
   * @return the sum
   */
  public WebhookMetrics plus(WebhookMetrics o) {
    return new WebhookMetrics(
        queued + o.queued,
        delivered + o.delivered,
        batches + o.batches,
        failedAttempts + o.failedAttempts,
        droppedQueueFull + o.droppedQueueFull,
        droppedRetries + o.droppedRetries,
        droppedShutdown + o.droppedShutdown);
  }
}
