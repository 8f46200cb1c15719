package dev.presence.it.support;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.Node;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The real presence-web WAR, as built by the reactor, for {@code @Deployment} methods. */
public final class PresenceWar {

  /** Where the WAR's MicroProfile Config file is. */
  public static final String CONFIG_PATH =
      "WEB-INF/classes/META-INF/microprofile-config.properties";

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

  /**
   * Appends settings to the WAR's {@code META-INF/microprofile-config.properties} (MicroProfile
   * Config, ordinal 100: the server's system properties and environment still win; a key set twice
   * in the file takes the later value), under a comment naming where they come from.
   *
   * @param archive the WAR
   * @param source what the comment names as their origin
   * @param settings keys and values, in order
   * @return {@code archive}
   */
  public static <A extends Archive<?>> A withConfig(
      A archive, String source, Map<String, String> settings) {
    StringBuilder text = new StringBuilder();
    Node existing = archive.get(CONFIG_PATH);
    if (existing != null && existing.getAsset() != null) {
      text.append(read(existing.getAsset().openStream())).append('\n');
      archive.delete(CONFIG_PATH);
    }
    text.append("# presence-it: ").append(source).append('\n');
    settings.forEach(
        (key, value) ->
            text.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
    archive.add(new StringAsset(text.toString()), CONFIG_PATH);
    return archive;
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
