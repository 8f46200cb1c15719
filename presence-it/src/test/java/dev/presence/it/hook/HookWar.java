package dev.presence.it.hook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.spi.PresenceEventHook;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.shrinkwrap.api.ArchivePaths;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** Puts the test's event hooks into a presence WAR, the two ways SPEC 8 discovers them. */
public final class HookWar {

  private HookWar() {}

  /**
   * Adds the hook classes to {@code war} (those with a bean-defining annotation are CDI beans: the
   * WAR's beans.xml discovers annotated beans) and lists {@code serviceLoaded} for ServiceLoader in
   * {@code WEB-INF/classes/META-INF/services}.
   *
   * @param war the presence WAR
   * @param classes the hook classes to add
   * @param serviceLoaded those of them to list for ServiceLoader
   * @return {@code war}
   */
  public static WebArchive withHooks(
      WebArchive war,
      List<Class<? extends PresenceEventHook>> classes,
      List<Class<? extends PresenceEventHook>> serviceLoaded) {
    war.addClasses(classes.toArray(Class<?>[]::new));
    war.addAsResource(
        new StringAsset(
            serviceLoaded.stream().map(Class::getName).collect(Collectors.joining("\n"))),
        ArchivePaths.create("META-INF/services/" + PresenceEventHook.class.getName()));
    assertThat(
            war.contains("WEB-INF/classes/META-INF/services/" + PresenceEventHook.class.getName()))
        .as("ServiceLoader entry in the WAR's classes")
        .isTrue();
    return war;
  }
}
