package dev.presence.it.support;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The real presence-web WAR, as built by the reactor, for {@code @Deployment} methods. */
public final class PresenceWar {

  private PresenceWar() {}

  /**
   * The WAR named by the system property {@code presence.war} (set by Failsafe to the copy in
   * {@code presence-it/target}), else {@code ../presence-web/target/presence.war} (an IDE run from
   * the module directory). Its file name gives the context root.
   */
  public static WebArchive create() {
    String configured = System.getProperty("presence.war");
    File war =
        configured != null && new File(configured).isFile()
            ? new File(configured)
            : new File("../presence-web/target/presence.war");
    if (!war.isFile()) {
      throw new IllegalStateException(
          "presence-web WAR not found (system property presence.war="
              + configured
              + ", fallback "
              + war.getAbsolutePath()
              + "): build the reactor with mvn verify from the root");
    }
    return ShrinkWrap.createFromZipFile(WebArchive.class, war);
  }
}
