package dev.presence.web.cdi;

import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.PresenceEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts everything at deployment, in order: configuration, token verification, access control,
 * engine. Anything wrong (a malformed value, no verification key outside development mode, no
 * backend, a backend that cannot start) throws here, which fails the deployment with the message
 * logged, instead of failing the first request.
 *
 * <p>In development mode it logs a loud warning.
 */
@ApplicationScoped
public class PresenceStartup {

  private static final Logger LOG = Logger.getLogger(PresenceStartup.class.getName());

  @Inject Instance<PresenceConfig> config;
  @Inject Instance<TokenVerifier> verifier;
  @Inject Instance<AccessControl> access;
  @Inject Instance<PresenceEngine> engine;

  /**
   * Runs when the application starts.
   *
   * @param event the container's event
   * @throws IllegalStateException if Presence cannot start
   */
  void start(@Observes @Initialized(ApplicationScoped.class) Object event) {
    try {
      PresenceConfig c = config.get();
      LOG.info(() -> "Presence configuration:\n  " + String.join("\n  ", c.describe()));
      verifier.get();
      if (c.devMode()) {
        LOG.warning(
            "\n"
                + "*****************************************************************\n"
                + "*  PRESENCE RUNS IN DEVELOPMENT MODE (presence.auth.mode=dev)    *\n"
                + "*  Tokens are NOT verified: anyone can act as any user.          *\n"
                + "*  Never use this mode in production.                            *\n"
                + "*****************************************************************");
      }
      int authorizers = access.get().authorizers().size();
      LOG.info(() -> "Presence authorizers: " + authorizers);
      engine.get();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "Presence cannot start: " + rootMessage(e), e);
      throw e;
    }
  }

  private static String rootMessage(Throwable e) {
    String message = e.getMessage();
    Throwable t = e;
    while (message == null && t.getCause() != null) {
      t = t.getCause();
      message = t.getMessage();
    }
    return message == null ? e.getClass().getName() : message;
  }
}
