package dev.presence.web.webhook;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The webhooks of this node: an event hook that passes every event it gets to one {@link
 * WebhookTarget} per URL, each with its own queue and thread.
 *
 * <p>The engine runs it like any event hook (see {@link PresenceEventHook}): on the channel's hook
 * owner, once per event in the cluster, in {@code seq} order per channel, on a hook thread of its
 * own. {@link #onEvent} only turns the event into JSON and queues it (never blocks), so a slow or
 * dead receiver never slows presence, nor the other URLs.
 *
 * <p>{@link #close} stops taking events and sends what is queued for up to {@link #DRAIN}; what is
 * left then is dropped and counted. Events queued on a node that dies are lost (see README,
 * Webhooks).
 */
public final class Webhooks implements PresenceEventHook, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Webhooks.class.getName());

  /** How long {@link #close} sends what is queued before it drops the rest. */
  public static final Duration DRAIN = Duration.ofSeconds(5);

  private final WebhookSettings settings;
  private final List<WebhookTarget> targets;
  private final List<Thread> threads;
  private final List<WebhookTransport> transports;
  private final @Nullable ExecutorService clientThreads;
  private final LongSupplier clock;
  private boolean closed;

  private Webhooks(
      WebhookSettings settings,
      List<WebhookTarget> targets,
      List<Thread> threads,
      List<WebhookTransport> transports,
      @Nullable ExecutorService clientThreads,
      LongSupplier clock) {
    this.settings = settings;
    this.targets = List.copyOf(targets);
    this.threads = List.copyOf(threads);
    this.transports = List.copyOf(transports);
    this.clientThreads = clientThreads;
    this.clock = clock;
  }

  /**
   * Webhooks as configured, started: one thread per URL from {@code threads}.
   *
   * @param settings the settings; when not {@link WebhookSettings#enabled()}, nothing is started
   * @param threads makes the threads (the container's managed thread factory, or plain threads)
   * @return the running webhooks
   */
  public static Webhooks start(WebhookSettings settings, ThreadFactory threads) {
    if (!settings.enabled()) {
      return new Webhooks(
          settings, List.of(), List.of(), List.of(), null, System::currentTimeMillis);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService clientThreads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = threads.newThread(r);
              t.setName("presence-webhook-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    WebhookSigner signer = new WebhookSigner(settings.secret());
    List<WebhookTarget> targets = new ArrayList<>();
    List<Thread> targetThreads = new ArrayList<>();
    List<WebhookTransport> transports = new ArrayList<>();
    LongSupplier clock = System::currentTimeMillis;
    for (URI url : settings.urls()) {
      HttpWebhookTransport transport = new HttpWebhookTransport(settings.timeout(), clientThreads);
      transports.add(transport);
      WebhookTarget target =
          new WebhookTarget(
              url,
              label(url),
              settings,
              transport,
              signer,
              new Backoff(
                  settings.minBackoff(),
                  settings.maxBackoff(),
                  () -> ThreadLocalRandom.current().nextDouble()),
              clock);
      targets.add(target);
      Thread t = threads.newThread(target);
      t.setName("presence-webhook-" + targets.size());
      t.setDaemon(true);
      targetThreads.add(t);
    }
    Webhooks webhooks =
        new Webhooks(settings, targets, targetThreads, transports, clientThreads, clock);
    targetThreads.forEach(Thread::start);
    LOG.info(
        () ->
            "Presence webhooks: "
                + targets.size()
                + " URL(s) "
                + settings.urls().stream().map(Webhooks::label).toList()
                + ", "
                + settings);
    return webhooks;
  }

  /**
   * How logs name a URL: without its query, which may carry a token.
   *
   * @param url the URL
   * @return scheme, host, port and path
   */
  static String label(URI url) {
    String s =
        url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    return s + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  /**
   * This object as an event hook, if any URL is configured.
   *
   * @return the hook, or empty when webhooks are off
   */
  public Optional<PresenceEventHook> hook() {
    return settings.enabled() ? Optional.of(this) : Optional.empty();
  }

  @Override
  public void onEvent(PresenceEvent event) {
    List<WebhookEvent> events = WebhookEvent.of(event);
    List<String> json = new ArrayList<>(events.size());
    for (WebhookEvent e : events) {
      json.add(e.toJson().toString());
    }
    for (WebhookTarget target : targets) {
      target.offer(json);
    }
  }

  /**
   * The counters over all URLs.
   *
   * @return the counters; all zero when webhooks are off
   */
  public WebhookMetrics metrics() {
    WebhookMetrics sum = WebhookMetrics.NONE;
    for (WebhookTarget t : targets) {
      sum = sum.plus(t.metrics());
    }
    return sum;
  }

  /**
   * Whether any URL is configured.
   *
   * @return true if webhooks are on
   */
  public boolean enabled() {
    return settings.enabled();
  }

  /**
   * Stops: sends what is queued for up to {@link #DRAIN}, then drops the rest (counted), ends the
   * threads and releases the HTTP clients. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (targets.isEmpty()) {
      // Webhooks off: nothing to stop. This runs in the JVM's shutdown hook too, possibly after the
      // server closed the application's class loader, where a class of this package that was never
      // used cannot be loaded any more (RollingRestartIT saw NoClassDefFoundError: WebhookTarget);
      // so neither here nor below a lambda or a class not already in use.
      return;
    }
    long deadline = clock.getAsLong() + DRAIN.toMillis();
    for (WebhookTarget t : targets) {
      t.close(deadline);
    }
    long waitUntil = System.nanoTime() + DRAIN.toNanos() + TimeUnit.SECONDS.toNanos(1);
    for (Thread t : threads) {
      try {
        long left = waitUntil - System.nanoTime();
        if (left > 0) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (t.isAlive()) {
          t.interrupt();
          t.join(1000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (WebhookTransport transport : transports) {
      transport.close();
    }
    if (clientThreads != null) {
      clientThreads.shutdownNow();
    }
    WebhookMetrics m = metrics();
    LOG.info(
        "Presence webhooks stopped: "
            + m.delivered()
            + " event(s) delivered, "
            + (m.droppedQueueFull() + m.droppedRetries() + m.droppedShutdown())
            + " dropped ("
            + m.droppedShutdown()
            + " at the stop)");
  }
}
