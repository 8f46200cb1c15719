package dev.presence.web.websocket;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The tuned floor ({@code build.sh tuned}): applies Presence's {@link ContainerTuning} (compiled
 * from presence-web's source into this WAR) to the floor endpoint's container, as Presence does at
 * start, with a one-thread scheduler for Tyrus's idle timers. Without it, the floor pays Tyrus's
 * idle timer on Payara's managed scheduler for every frame.
 */
@WebListener
public class FloorTuning implements ServletContextListener {

  private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);

  @Override
  public void contextInitialized(ServletContextEvent event) {
    timers.setRemoveOnCancelPolicy(true);
    ClassLoader app = Thread.currentThread().getContextClassLoader();
    timers.setThreadFactory(
        r -> {
          Thread t = new Thread(r, "floor-container-timer");
          t.setDaemon(true);
          t.setContextClassLoader(app);
          return t;
        });
    event.getServletContext().log(
        "floor: " + ContainerTuning.configure(event.getServletContext(), 65536, 130_000, timers));
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    timers.shutdownNow();
  }
}
