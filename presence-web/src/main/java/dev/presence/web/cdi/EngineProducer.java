package dev.presence.web.cdi;

import dev.presence.PresenceService;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.PresenceBackends;
import dev.presence.spi.PresenceEventHook;
import dev.presence.web.config.Durations;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PrecheckedPresence;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.webhook.Webhooks;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Produces the application's {@link PresenceEngine} (also injectable as {@link PresenceService}).
 *
 * <p>The backend is found with {@link PresenceBackends#discover} in the WAR's class loader and
 * chosen by {@code presence.store} (unset: by priority, so Hazelcast when presence-hazelcast is in
 * the WAR). It gets a {@link CdiBackendContext}, through which, on Payara Micro, the Hazelcast
 * backend finds the container's own Hazelcast member. Event hooks are the {@link PresenceEventHook}
 * beans plus the classes listed for ServiceLoader, each class once. Backend providers and hooks of
 * the plugin jars ({@link PluginFolder}, {@code presence.plugins.dir}) come after the bundled ones;
 * the engine keeps the plugins' class loader open until its disposal.
 *
 * <p>{@code Singleton} because the engine is a final class that cannot be proxied; it is created at
 * deployment by {@link PresenceStartup}, so a failure fails the deployment. The disposer closes the
 * engine, then the backend.
 *
 * <p><b>Shutdown.</b> A JVM shutdown hook (SIGTERM) runs the same steps as the disposer, at once:
 * the engine's handover ({@link PresenceEngine#handOver()}: sessions released as lost with the
 * grace period, then the WebSocket connections closed with 1001), then the engine and the backend
 * are closed (the Hazelcast backend then takes the container's member out of the cluster
 * gracefully). Payara Micro's own hook stops the server in parallel, and by the time it destroys
 * the application's beans the application's class loader already refuses to load classes; the hook
 * does the work before that, and the disposer (and {@code WebSocketRuntime}'s {@code PreDestroy})
 * wait for a handover in progress. On an undeploy without a JVM exit the hook is removed and the
 * disposer does it all.
 */
@ApplicationScoped
public class EngineProducer {

  private static final Logger LOG = Logger.getLogger(EngineProducer.class.getName());

  /**
   * The JVM shutdown hook of each running engine, removed by the disposer. Static, like the
   * disposer: see {@link #close}.
   */
  private static final Map<PresenceEngine, Thread> EXIT_HOOKS =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /** The webhooks of each running engine, closed right after it. */
  private static final Map<PresenceEngine, Webhooks> WEBHOOKS =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /**
   * The plugins each running engine uses (its hooks, perhaps its backend), released by the disposer
   * after the engine and backend are closed.
   */
  private static final Map<PresenceEngine, PluginFolder> ENGINE_PLUGINS =
      Collections.synchronizedMap(new IdentityHashMap<>());

  @Inject BeanManager beanManager;

  /**
   * The container's default managed thread factory: engine threads made by it run in the
   * application's context, which the Hazelcast backend needs to send the application's classes to
   * other members. Null outside a full container (then the engine makes plain threads).
   */
  @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
  @Nullable ManagedThreadFactory threadFactory;

  /**
   * Creates and starts the engine.
   *
   * @param config the configuration
   * @param hookBeans the event hook beans
   * @param webhooks the webhooks, an event hook when configured
   * @param pluginFolder the plugin jars, held until the disposer runs
   * @return the running engine
   * @throws IllegalStateException if no backend can be chosen or started; the message says why
   */
  @Produces
  @Singleton
  @Typed({PresenceEngine.class, PresenceService.class})
  public PresenceEngine engine(
      PresenceConfig config,
      @Any Instance<PresenceEventHook> hookBeans,
      Webhooks webhooks,
      PluginFolder pluginFolder) {
    ClassLoader loader = ClassLoaders.application();
    PluginFolder plugins = pluginFolder.retain();
    boolean started = false;
    try {
      PresenceEngine engine = start(config, hookBeans, webhooks, loader, plugins);
      ENGINE_PLUGINS.put(engine, plugins);
      started = true;
      return engine;
    } finally {
      if (!started) {
        plugins.release();
      }
    }
  }

  private PresenceEngine start(
      PresenceConfig config,
      Instance<PresenceEventHook> hookBeans,
      Webhooks webhooks,
      ClassLoader loader,
      PluginFolder plugins) {
    List<PresenceBackendProvider> providers = Plugins.backendProviders(loader, plugins);
    PresenceBackendProvider provider =
        PresenceBackends.choose(providers, config.store().orElse(null));
    // A plugin backend loads its classes through the plugins' loader (which sees the WAR's too).
    ClassLoader pluginLoader = plugins.classLoader();
    ClassLoader backendLoader =
        pluginLoader != null && provider.getClass().getClassLoader() == pluginLoader
            ? pluginLoader
            : loader;
    PresenceBackend backend;
    try {
      backend = provider.create(new CdiBackendContext(config, beanManager, backendLoader));
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalStateException(
          "the presence backend '" + provider.name() + "' cannot start: " + e.getMessage(), e);
    }
    List<PresenceEventHook> hooks =
        new ArrayList<>(Plugins.discover(hookBeans, PresenceEventHook.class, loader, plugins));
    webhooks.hook().ifPresent(hooks::add);
    EngineConfig engineConfig =
        EngineConfig.defaults()
            .withTimeout(config.timeout())
            .withGrace(config.grace())
            .withLimits(config.limits())
            .withHookQueueCapacity(config.hookQueueCapacity())
            .withChannelsPerUser(config.channelsPerUser())
            .withIntervals(config.announceMax(), config.channelInterval());
    PresenceEngine engine =
        new PresenceEngine(backend, engineConfig, InstantSource.system(), hooks, threadFactory);
    try {
      engine.start();
    } catch (RuntimeException e) {
      engine.close();
      backend.close();
      throw new IllegalStateException("the presence engine cannot start: " + e.getMessage(), e);
    }
    WEBHOOKS.put(engine, webhooks);
    Thread hook = new Thread(() -> stop(engine), "presence-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      EXIT_HOOKS.put(engine, hook);
    } catch (IllegalStateException e) {
      LOG.log(Level.FINE, "the JVM is already stopping", e);
    }
    LOG.info(
        () ->
            "Presence engine started: backend '"
                + provider.name()
                + "' (node "
                + backend.nodeId()
                + ", "
                + backend.capabilities()
                + "), "
                + hooks.size()
                + " event hook(s), timeout "
                + Durations.format(config.timeout())
                + ", grace "
                + Durations.format(config.grace()));
    return engine;
  }

  /**
   * The engine for the front ends, which check ids before they authorize ({@link
   * PresenceEngine#prechecked()}: no second id check per request). Injected by type, never in place
   * of a {@link PresenceService}.
   *
   * @param engine the engine
   * @return its view for callers that checked the ids
   */
  @Produces
  @Dependent
  public static PrecheckedPresence prechecked(PresenceEngine engine) {
    return engine.prechecked();
  }

  /**
   * Closes the engine, then its backend, then releases the plugin jars.
   *
   * <p>Static, so that disposing needs no instance of this bean: at undeploy the container may
   * destroy this application-scoped bean before the engine, and then makes a new instance to call
   * an instance disposer. On WildFly that new instance cannot be made ({@code
   * java:comp/DefaultManagedThreadFactory} is gone by then, WELD-000019): the disposer never ran
   * and the WAR's own Hazelcast member kept running after every undeploy.
   *
   * @param engine the engine
   */
  public static void close(@Disposes PresenceEngine engine) {
    Thread hook = EXIT_HOOKS.remove(engine);
    if (hook != null && hook != Thread.currentThread()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is stopping: the hook runs (or ran) the same steps; they are idempotent.
      }
    }
    try {
      stop(engine);
    } finally {
      PluginFolder plugins = ENGINE_PLUGINS.remove(engine);
      if (plugins != null) {
        plugins.release();
      }
    }
  }

  private static void stop(PresenceEngine engine) {
    try {
      engine.handOver();
      engine.close();
      Webhooks webhooks = WEBHOOKS.remove(engine);
      if (webhooks != null) {
        webhooks.close();
      }
    } finally {
      try {
        engine.backend().close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "the presence backend did not close cleanly", e);
      }
    }
  }
}
