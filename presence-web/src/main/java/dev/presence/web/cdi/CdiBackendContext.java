package dev.presence.web.cdi;

import dev.presence.spi.BackendContext;
import dev.presence.web.config.PresenceConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link BackendContext} of the application: configuration from {@link PresenceConfig#get},
 * container objects from CDI (such as Payara's own {@code HazelcastInstance}), and the WAR's class
 * loader.
 */
final class CdiBackendContext implements BackendContext {

  private static final Logger LOG = Logger.getLogger(CdiBackendContext.class.getName());

  private final PresenceConfig config;
  private final BeanManager beans;
  private final ClassLoader classLoader;

  CdiBackendContext(PresenceConfig config, BeanManager beans, ClassLoader classLoader) {
    this.config = config;
    this.beans = beans;
    this.classLoader = classLoader;
  }

  @Override
  public Optional<String> config(String key) {
    return config.get(key);
  }

  /**
   * The one CDI bean of a type with the default qualifier; empty if there is none, several, or CDI
   * fails to give it (anything thrown is logged at FINE and answered as empty).
   */
  @Override
  public <T> Optional<T> lookup(Class<T> type) {
    try {
      Instance<T> instance = beans.createInstance().select(type);
      if (!instance.isResolvable()) {
        return Optional.empty();
      }
      return Optional.ofNullable(instance.get());
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "no usable CDI bean of " + type.getName(), e);
      return Optional.empty();
    }
  }

  @Override
  public ClassLoader classLoader() {
    return classLoader;
  }
}
