package dev.presence.web.cdi;

import dev.presence.spi.PresenceAuthorizer;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.InstantSource;

/**
 * Produces the {@link TokenVerifier} and the {@link AccessControl} of the application ({@code
 * Singleton}: both are final and immutable, so they need no client proxy).
 */
@ApplicationScoped
public class AuthProducer {

  /**
   * The token verifier.
   *
   * @param config the configuration
   * @return the verifier
   * @throws IllegalStateException if no key is configured outside development mode
   */
  @Produces
  @Singleton
  public TokenVerifier tokenVerifier(PresenceConfig config) {
    return new TokenVerifier(config, InstantSource.system());
  }

  /**
   * The access control, asking every {@link PresenceAuthorizer} bean, every one listed in {@code
   * META-INF/services/dev.presence.spi.PresenceAuthorizer} in the application, then those of the
   * plugin jars (a class found more than one way is asked once).
   *
   * @param beans the authorizer beans
   * @param plugins the plugin jars
   * @return the access control
   */
  @Produces
  @Singleton
  public AccessControl accessControl(
      @Any Instance<PresenceAuthorizer> beans, PluginFolder plugins) {
    return new AccessControl(
        Plugins.discover(beans, PresenceAuthorizer.class, ClassLoaders.application(), plugins));
  }
}
