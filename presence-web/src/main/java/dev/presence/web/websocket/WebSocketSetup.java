package dev.presence.web.websocket;

import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/**
 * Adjusts the WebSocket container when the application starts, before it serves a connection: see
 * {@link ContainerTuning} and {@link WebSocketRuntime#configureContainer}.
 */
@WebListener
public class WebSocketSetup implements ServletContextListener {

  @Inject WebSocketRuntime runtime;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    runtime.configureContainer(event.getServletContext());
  }
}
