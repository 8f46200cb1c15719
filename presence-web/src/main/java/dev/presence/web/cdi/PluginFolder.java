package dev.presence.web.cdi;

import dev.presence.spi.PresenceAuthorizer;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.PresenceEventHook;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The plugin jars of {@code presence.plugins.dir}, loaded: one class loader over every jar of the
 * folder, and the providers their {@code META-INF/services} files list for the three plugin types
 * ({@link PresenceEventHook}, {@link PresenceAuthorizer}, {@link PresenceBackendProvider}), created
 * once, when the folder is opened.
 *
 * <p><b>What is loaded.</b> Regular files of the folder (not its subfolders) whose names end in
 * {@code .jar} (any case), in file-name order; any other entry is logged and skipped. All jars
 * share one {@link URLClassLoader} (so a plugin may put its libraries beside it as further jars),
 * whose parent is the application's class loader: plugins see presence-api and presence-spi (and
 * whatever else the WAR sees; only the two are their contract), parent first, so a plugin's own
 * copy of a class the WAR has is never used.
 *
 * <p><b>Order.</b> Providers of a type come jar by jar in file-name order, each jar's in the order
 * of its services file. A provider class listed by several jars (or twice by one) is created once,
 * from the first listing; the others are logged.
 *
 * <p><b>Errors.</b> Anything wrong fails {@link #open} with an {@link IllegalStateException} whose
 * message names the folder or the jar (and the provider class): a folder that is missing, not a
 * folder or unreadable; a jar that cannot be read or whose services file is malformed; a listed
 * class that is missing, does not implement the type, has no public no-argument constructor, or
 * whose static initializer or constructor throws (including {@link LinkageError}s such as a class
 * it needs being absent). The class loader is closed before the exception is thrown.
 *
 * <p><b>Life cycle.</b> Thread-safe. {@link #retain} and {@link #release} count the users of the
 * loaded plugins; the class loader (and so every jar file it opened) is closed when the last one
 * releases: the engine keeps its hooks until its own disposal, which may come after this object's
 * producer is disposed.
 */
public final class PluginFolder implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(PluginFolder.class.getName());

  /** The plugin types, in the order they are loaded. */
  static final List<Class<?>> TYPES =
      List.of(PresenceEventHook.class, PresenceAuthorizer.class, PresenceBackendProvider.class);

  private final @Nullable Path dir;
  private final @Nullable URLClassLoader loader;
  private final List<Path> jars;
  private final Map<Class<?>, List<Loaded<?>>> providers;
  private final AtomicInteger users = new AtomicInteger(1);

  /**
   * A provider object and the jar that listed it.
   *
   * @param <T> the plugin type
   * @param provider the provider
   * @param jar the jar whose services file listed it
   */
  record Loaded<T>(T provider, Path jar) {}

  private PluginFolder(
      @Nullable Path dir,
      @Nullable URLClassLoader loader,
      List<Path> jars,
      Map<Class<?>, List<Loaded<?>>> providers) {
    this.dir = dir;
    this.loader = loader;
    this.jars = List.copyOf(jars);
    this.providers = Map.copyOf(providers);
  }

  /**
   * No plugins (no folder configured).
   *
   * @return an empty set, retained once
   */
  static PluginFolder none() {
    return new PluginFolder(null, null, List.of(), Map.of());
  }

  /**
   * Loads the jars of a folder and creates their providers.
   *
   * @param dir the folder
   * @param parent the class loader the plugins' loader delegates to first (the application's)
   * @return the loaded plugins, retained once (see {@link #release})
   * @throws IllegalStateException if the folder or a jar cannot be used; the message names it
   */
  static PluginFolder open(Path dir, ClassLoader parent) {
    List<Path> jars = jars(dir);
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = jars.get(i).toUri().toURL();
      } catch (MalformedURLException e) {
        throw new IllegalStateException("plugin jar " + jars.get(i) + ": " + e.getMessage(), e);
      }
    }
    URLClassLoader loader = new URLClassLoader("presence-plugins", urls, parent);
    try {
      Map<Class<?>, List<Loaded<?>>> providers = new LinkedHashMap<>();
      for (Class<?> type : TYPES) {
        providers.put(type, load(type, jars, loader));
      }
      PluginFolder folder = new PluginFolder(dir, loader, jars, providers);
      LOG.info(folder::describe);
      return folder;
    } catch (RuntimeException | Error e) {
      closeQuietly(loader);
      throw e;
    }
  }

  /**
   * The jars of the folder, in file-name order; other entries are logged and skipped.
   *
   * @throws IllegalStateException if the folder is missing, not a folder or cannot be listed
   */
  static List<Path> jars(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "presence.plugins.dir "
              + dir.toAbsolutePath()
              + (Files.exists(dir) ? " is not a folder" : " does not exist"));
    }
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".jar") && Files.isRegularFile(p)) {
          jars.add(p.toAbsolutePath());
        } else {
          LOG.info(() -> "presence.plugins.dir: skipping " + p + " (not a .jar file)");
        }
      }
    } catch (IOException | UncheckedIOException | SecurityException e) {
      throw new IllegalStateException(
          "presence.plugins.dir " + dir.toAbsolutePath() + " cannot be read: " + e, e);
    }
    jars.sort(null);
    return jars;
  }

  private static List<Loaded<?>> load(Class<?> type, List<Path> jars, ClassLoader loader) {
    Map<String, Loaded<?>> byClass = new LinkedHashMap<>();
    for (Path jar : jars) {
      for (String className : listed(jar, type)) {
        Loaded<?> first = byClass.get(className);
        if (first != null) {
          LOG.warning(
              () ->
                  "plugin jar "
                      + jar
                      + " lists "
                      + type.getSimpleName()
                      + " provider "
                      + className
                      + ", already loaded from "
                      + first.jar()
                      + ": used once");
          continue;
        }
        byClass.put(className, new Loaded<>(create(type, className, jar, loader), jar));
      }
    }
    return List.copyOf(byClass.values());
  }

  /**
   * The class names a jar's {@code META-INF/services/<type>} lists, in order, read as {@link
   * java.util.ServiceLoader} reads them: UTF-8, {@code #} starts a comment, one name per line.
   */
  static List<String> listed(Path jar, Class<?> type) {
    String entryName = "META-INF/services/" + type.getName();
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry entry = file.getJarEntry(entryName);
      if (entry == null) {
        return List.of();
      }
      List<String> names = new ArrayList<>();
      try (InputStream in = file.getInputStream(entry);
          BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(
                      in,
                      StandardCharsets.UTF_8
                          .newDecoder()
                          .onMalformedInput(CodingErrorAction.REPORT)
                          .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
        int lineNo = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lineNo++;
          int hash = line.indexOf('#');
          String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
          if (name.isEmpty()) {
            continue;
          }
          if (!isClassName(name)) {
            throw new IllegalStateException(
                failure(jar, "line " + lineNo + " of " + entryName + " is not a class name"));
          }
          if (!names.contains(name)) {
            names.add(name);
          }
        }
      }
      return names;
    } catch (CharacterCodingException e) {
      throw new IllegalStateException(failure(jar, entryName + " is not UTF-8 text"), e);
    } catch (IOException | SecurityException e) {
      throw new IllegalStateException(failure(jar, "cannot be read as a jar: " + e), e);
    }
  }

  private static boolean isClassName(String name) {
    if (name.length() > 1024) {
      return false;
    }
    for (String part : name.split("\\.", -1)) {
      if (part.isEmpty()
          || !Character.isJavaIdentifierStart(part.codePointAt(0))
          || !part.codePoints().skip(1).allMatch(Character::isJavaIdentifierPart)) {
        return false;
      }
    }
    return true;
  }

  private static Object create(Class<?> type, String className, Path jar, ClassLoader loader) {
    String what = type.getSimpleName() + " provider " + className;
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      Class<?> c;
      try {
        c = Class.forName(className, true, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(failure(jar, what + " not found"), e);
      } catch (ExceptionInInitializerError e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new IllegalStateException(
            failure(jar, what + " cannot be loaded: its static initializer threw " + cause), cause);
      } catch (LinkageError e) {
        throw new IllegalStateException(failure(jar, what + " cannot be loaded: " + e), e);
      }
      if (!type.isAssignableFrom(c)) {
        throw new IllegalStateException(failure(jar, what + " does not implement " + type));
      }
      if (!Modifier.isPublic(c.getModifiers()) || Modifier.isAbstract(c.getModifiers())) {
        throw new IllegalStateException(failure(jar, what + " is not a public concrete class"));
      }
      try {
        return c.getConstructor().newInstance();
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(
            failure(jar, what + " has no public no-argument constructor"), e);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new IllegalStateException(
            failure(jar, what + " cannot be created: its constructor threw " + cause), cause);
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        throw new IllegalStateException(failure(jar, what + " cannot be created: " + e), e);
      }
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static String failure(Path jar, String what) {
    return "plugin jar " + jar + ": " + what;
  }

  /**
   * The loaded providers of a type, in order (see the class description).
   *
   * @param <T> the type
   * @param type one of {@link #TYPES}
   * @return the providers with their jars
   */
  @SuppressWarnings("unchecked")
  <T> List<Loaded<T>> providers(Class<T> type) {
    List<Loaded<?>> list = providers.get(type);
    if (list == null) {
      return List.of();
    }
    List<Loaded<T>> out = new ArrayList<>(list.size());
    list.forEach(l -> out.add((Loaded<T>) l));
    return out;
  }

  /**
   * The provider objects of a type, in order.
   *
   * @param <T> the type
   * @param type one of {@link #TYPES}
   * @return the providers
   */
  <T> List<T> objects(Class<T> type) {
    return providers(type).stream().map(Loaded::provider).toList();
  }

  /**
   * The jars loaded, in order.
   *
   * @return the jars (absolute)
   */
  List<Path> jars() {
    return jars;
  }

  /**
   * The plugins' class loader: the class loader of their providers.
   *
   * @return the loader, or null for {@link #none()}
   */
  @Nullable ClassLoader classLoader() {
    return loader;
  }

  /**
   * What was loaded, for the log.
   *
   * @return one line
   */
  String describe() {
    if (dir == null) {
      return "Presence plugins: none (presence.plugins.dir unset)";
    }
    StringBuilder sb = new StringBuilder("Presence plugins from ").append(dir.toAbsolutePath());
    sb.append(": ").append(jars.size()).append(" jar(s)");
    for (Class<?> type : TYPES) {
      List<Loaded<?>> list = providers.getOrDefault(type, List.of());
      sb.append(", ").append(list.size()).append(' ').append(type.getSimpleName());
      if (!list.isEmpty()) {
        sb.append(' ')
            .append(
                list.stream()
                    .map(
                        l -> l.provider().getClass().getName() + " (" + l.jar().getFileName() + ")")
                    .toList());
      }
    }
    return sb.toString();
  }

  /**
   * One more user of the plugins: the class loader stays open until it releases too.
   *
   * @return this
   * @throws IllegalStateException if the plugins are already closed
   */
  PluginFolder retain() {
    if (users.getAndUpdate(n -> n > 0 ? n + 1 : n) <= 0) {
      throw new IllegalStateException("the plugins are closed");
    }
    return this;
  }

  /** One user fewer; the last one closes the class loader (idempotent past zero). */
  void release() {
    if (users.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 1 && loader != null) {
      closeQuietly(loader);
      LOG.fine(() -> "plugin class loader over " + jars + " closed");
    }
  }

  /** Releases the opener's use ({@link #release}). */
  @Override
  public void close() {
    release();
  }

  /**
   * Whether the class loader is closed (no user left).
   *
   * @return true once every user has released
   */
  boolean closed() {
    return users.get() == 0;
  }

  private static void closeQuietly(URLClassLoader loader) {
    try {
      loader.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "the plugin class loader did not close cleanly", e);
    }
  }
}
