package dev.presence.web.cdi;

import dev.presence.web.config.PresenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Produces the plugins of {@code presence.plugins.dir} ({@link PluginFolder}), loaded once at
 * deployment: the first of {@link AuthProducer} and {@link EngineProducer} to need them loads them,
 * so a plugin that cannot be loaded fails the deployment (see {@link PresenceStartup}) with its jar
 * named.
 */
@ApplicationScoped
public class PluginsProducer {

  /**
   * Loads the plugin folder, or none if {@code presence.plugins.dir} is unset.
   *
   * @param config the configuration
   * @return the plugins
   * @throws IllegalStateException if the folder or a jar in it cannot be used; the message names it
   */
  @Produces
  @Singleton
  public PluginFolder plugins(PresenceConfig config) {
    return config
        .pluginsDir()
        .map(dir -> PluginFolder.open(dir, ClassLoaders.application()))
        .orElseGet(PluginFolder::none);
  }

  /**
   * Releases the producer's use of the plugins: their class loader, and with it every jar file it
   * opened, is closed once the engine has released its use too (undeploy).
   *
   * @param plugins the plugins
   */
  public static void close(@Disposes PluginFolder plugins) {
    plugins.release();
  }
}
