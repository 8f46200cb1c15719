package dev.presence.it.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Writes a plugin jar of compiled test classes, listed for ServiceLoader under one type. */
public final class PluginJar {

  private PluginJar() {}

  /**
   * Writes {@code file}: the class files of {@code classes} (read from this test's class path) and
   * {@code META-INF/services/<type>} listing them.
   *
   * @param file the jar to write
   * @param type the plugin type, such as {@code PresenceEventHook}
   * @param classes the provider classes
   * @return {@code file}
   */
  public static Path write(Path file, Class<?> type, List<Class<?>> classes) {
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream os = Files.newOutputStream(file);
          JarOutputStream jar = new JarOutputStream(os)) {
        StringBuilder services = new StringBuilder();
        for (Class<?> c : classes) {
          String entry = c.getName().replace('.', '/') + ".class";
          try (InputStream in = c.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) {
              throw new IllegalStateException("no class file " + entry + " on the class path");
            }
            jar.putNextEntry(new JarEntry(entry));
            in.transferTo(jar);
            jar.closeEntry();
          }
          services.append(c.getName()).append('\n');
        }
        jar.putNextEntry(new JarEntry("META-INF/services/" + type.getName()));
        jar.write(services.toString().getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
