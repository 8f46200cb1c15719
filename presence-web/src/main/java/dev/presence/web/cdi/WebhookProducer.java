package dev.presence.web.cdi;

import dev.presence.web.config.PresenceConfig;
import dev.presence.web.webhook.WebhookSettings;
import dev.presence.web.webhook.Webhooks;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Produces the node's {@link Webhooks} from {@code presence.webhooks.*}: checked at deployment (a
 * bad URL or a missing secret fails it), handed to the engine as an event hook by {@link
 * EngineProducer}, read by {@code /metrics}. Closed after the engine (see {@link EngineProducer});
 * the disposer closes it too (closing is idempotent).
 */
@ApplicationScoped
public class WebhookProducer {

  /** The container's managed thread factory, or null outside a full container. */
  @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
  @Nullable ManagedThreadFactory threadFactory;

  /**
   * The webhooks, started (no thread when no URL is configured).
   *
   * @param config the configuration
   * @return the webhooks
   * @throws IllegalStateException if a {@code presence.webhooks.*} value is wrong
   */
  @Produces
  @Singleton
  @Typed(Webhooks.class)
  public Webhooks webhooks(PresenceConfig config) {
    ThreadFactory threads = threadFactory != null ? threadFactory : Thread::new;
    return Webhooks.start(WebhookSettings.from(config), threads);
  }

  /**
   * Stops the webhooks (sending what is queued for a few seconds).
   *
   * @param webhooks the webhooks
   */
  public static void close(@Disposes Webhooks webhooks) {
    webhooks.close();
  }
}
