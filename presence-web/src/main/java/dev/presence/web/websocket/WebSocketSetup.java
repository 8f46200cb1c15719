package dev.presence.web.websocket;

import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/**
 * Adjusts the WebSocket container when the application starts, before it serves a connection: see
 * {@link ContainerTuning} and {@link WebSocketRuntime#configureContainer}; and installs what each
 * new {@link PresenceEndpoint} needs, so that endpoints are built without CDI per connection, and
 * the origins {@link HandshakeConfigurator#checkOrigin} accepts.
 */
@WebListener
public class WebSocketSetup implements ServletContextListener {

  @Inject WebSocketRuntime runtime;
  @Inject TokenVerifier verifier;
  @Inject PresenceConfig config;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    runtime.configureContainer(event.getServletContext());
    HandshakeConfigurator.allowOrigins(config.wsAllowedOrigins());
    PresenceEndpoint.install(new PresenceEndpoint.Dependencies(verifier, runtime));
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    PresenceEndpoint.install(null);
    HandshakeConfigurator.allowOrigins(null);
  }
}
