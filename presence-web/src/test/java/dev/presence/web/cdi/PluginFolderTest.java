package dev.presence.web.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.presence.spi.PresenceAuthorizer;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.PresenceEventHook;
import dev.presence.spi.memory.InMemoryPresenceBackendProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PluginFolder} with real jars: Java sources compiled by the test (javac of the running JDK)
 * against the test class path, so their classes exist only in the jars and the parent (this test's
 * class loader) sees presence-api and presence-spi as the WAR's loader does.
 */
class PluginFolderTest {

  private static final String HOOK = PresenceEventHook.class.getName();
  private static final String AUTHORIZER = PresenceAuthorizer.class.getName();
  private static final String BACKEND = PresenceBackendProvider.class.getName();

  @TempDir Path tmp;

  private final ClassLoader parent = PluginFolderTest.class.getClassLoader();

  @Test
  void loadsTheThreeTypesFromTheJarsInFileNameOrderEachClassOnce() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("plugins"));
    Path classes =
        compile(
            hook("p.HookA"),
            hook("p.HookB"),
            hook("p.HookC"),
            "package p; public class Allow implements dev.presence.spi.PresenceAuthorizer {"
                + " public dev.presence.spi.AuthorizationDecision authorize("
                + "dev.presence.spi.AuthorizationRequest r) {"
                + " return dev.presence.spi.AuthorizationDecision.allow(); } }",
            "package p; public class Backend implements dev.presence.spi.PresenceBackendProvider {"
                + " public String name() { return \"plugged\"; }"
                + " public int priority() { return 7; }"
                + " public dev.presence.spi.PresenceBackend create("
                + "dev.presence.spi.BackendContext c) {"
                + " return new dev.presence.spi.memory.InMemoryPresenceBackendProvider().create(c); } }");
    // b-hooks.jar sorts after a-hooks.jar although it is written first.
    jar(
        dir.resolve("b-hooks.jar"),
        classes,
        List.of("p/HookB", "p/HookA"),
        Map.of(HOOK, "# B's hooks\np.HookB  # the first\n\np.HookA\n"));
    jar(
        dir.resolve("a-hooks.jar"),
        classes,
        List.of("p/HookC", "p/HookA", "p/Allow", "p/Backend"),
        Map.of(HOOK, "p.HookC\np.HookA\np.HookC\n", AUTHORIZER, "p.Allow", BACKEND, "p.Backend"));
    Files.writeString(dir.resolve("README.txt"), "not a jar");
    Files.createDirectories(dir.resolve("sub.jar"));

    try (PluginFolder plugins = PluginFolder.open(dir, parent)) {
      assertThat(plugins.jars())
          .extracting(p -> p.getFileName().toString())
          .containsExactly("a-hooks.jar", "b-hooks.jar");
      List<PluginFolder.Loaded<PresenceEventHook>> hooks =
          plugins.providers(PresenceEventHook.class);
      assertThat(hooks)
          .extracting(l -> l.provider().getClass().getName() + "@" + l.jar().getFileName())
          .containsExactly("p.HookC@a-hooks.jar", "p.HookA@a-hooks.jar", "p.HookB@b-hooks.jar");
      for (PluginFolder.Loaded<PresenceEventHook> h : hooks) {
        assertThat(h.provider().getClass().getClassLoader())
            .as("%s is loaded by the plugins' loader", h.provider())
            .isSameAs(plugins.classLoader());
      }
      assertThat(plugins.objects(PresenceAuthorizer.class))
          .extracting(a -> a.getClass().getName())
          .containsExactly("p.Allow");
      assertThat(plugins.describe())
          .contains("2 jar(s)", "3 PresenceEventHook", "1 PresenceAuthorizer")
          .contains("p.Backend (a-hooks.jar)");

      // Backend candidates: the bundled ones and the plugin's, by priority.
      List<PresenceBackendProvider> candidates = Plugins.backendProviders(parent, plugins);
      assertThat(candidates)
          .extracting(PresenceBackendProvider::name)
          .containsSubsequence("plugged", "memory");
      assertThat(candidates)
          .filteredOn(p -> p.getClass() == InMemoryPresenceBackendProvider.class)
          .hasSize(1);
    }
  }

  @Test
  void anEmptyFolderHasNoPlugins() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    try (PluginFolder plugins = PluginFolder.open(dir, parent)) {
      assertThat(plugins.jars()).isEmpty();
      for (Class<?> type : PluginFolder.TYPES) {
        assertThat(plugins.objects(type)).isEmpty();
      }
    }
  }

  @Test
  void aMissingFolderOrAFileInsteadOfOneFailsNamingIt() throws IOException {
    Path missing = tmp.resolve("nope");
    assertThatThrownBy(() -> PluginFolder.open(missing, parent))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.plugins.dir " + missing.toAbsolutePath())
        .hasMessageContaining("does not exist");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> PluginFolder.open(file, parent))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not a folder");
  }

  @Test
  void anUnreadableFolderFailsNamingIt() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("locked"));
    assertThat(dir.toFile().setReadable(false, false)).isTrue();
    try {
      assumeFalse(Files.isReadable(dir), "this user (root) reads any folder");
      assertThatThrownBy(() -> PluginFolder.open(dir, parent))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.plugins.dir " + dir.toAbsolutePath())
          .hasMessageContaining("cannot be read");
    } finally {
      dir.toFile().setReadable(true, false);
    }
  }

  @Test
  void aFileNamedJarThatIsNoJarFailsNamingIt() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("garbage"));
    Path bad = Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> PluginFolder.open(dir, parent))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("plugin jar " + bad)
        .hasMessageContaining("cannot be read as a jar");
  }

  @Test
  void everyWayAProviderCanFailToLoadFailsNamingItsJarAndClass() throws IOException {
    Path classes =
        compile(
            "package q; public class CtorThrows implements dev.presence.spi.PresenceEventHook {"
                + " public CtorThrows() { throw new IllegalStateException(\"no config here\"); }"
                + " public void onEvent(dev.presence.event.PresenceEvent e) {} }",
            "package q; public class StaticThrows implements dev.presence.spi.PresenceEventHook {"
                + " static final int X = Integer.parseInt(\"boom\");"
                + " public void onEvent(dev.presence.event.PresenceEvent e) {} }",
            "package q; public class NeedsMissing implements dev.presence.spi.PresenceEventHook {"
                + " public void onEvent(dev.presence.event.PresenceEvent e) {} }",
            "package q; public class Missing extends q.NeedsMissing {}",
            "package q; public class NotAHook {}",
            "package q; public class NoDefault implements dev.presence.spi.PresenceEventHook {"
                + " public NoDefault(int x) {}"
                + " public void onEvent(dev.presence.event.PresenceEvent e) {} }",
            "package q; public class ErrorInCtor implements dev.presence.spi.PresenceAuthorizer {"
                + " public ErrorInCtor() { throw new java.util.ServiceConfigurationError(\"sce\"); }"
                + " public dev.presence.spi.AuthorizationDecision authorize("
                + "dev.presence.spi.AuthorizationRequest r) { return null; } }");
    expectFailure(classes, "ctor", "q.CtorThrows", HOOK, "its constructor threw", "no config here");
    expectFailure(
        classes, "static", "q.StaticThrows", HOOK, "its static initializer threw", "boom");
    expectFailure(classes, "absent", "q.Absent", HOOK, "q.Absent not found");
    expectFailure(classes, "notahook", "q.NotAHook", HOOK, "does not implement interface " + HOOK);
    expectFailure(
        classes, "nodefault", "q.NoDefault", HOOK, "has no public no-argument constructor");
    expectFailure(classes, "sce", "q.ErrorInCtor", AUTHORIZER, "ServiceConfigurationError: sce");
    // q.Missing needs q.NeedsMissing, which its jar does not carry.
    Path dir = Files.createDirectories(tmp.resolve("linkage"));
    Path jar =
        jar(dir.resolve("linkage.jar"), classes, List.of("q/Missing"), Map.of(HOOK, "q.Missing"));
    assertThatThrownBy(() -> PluginFolder.open(dir, parent))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("plugin jar " + jar + ": PresenceEventHook provider q.Missing")
        .hasMessageContaining("NoClassDefFoundError")
        .hasMessageContaining("q/NeedsMissing");
    assertThat(openFiles(jar)).as("file handles on %s after the failure", jar).isEmpty();
  }

  @Test
  void aMalformedServicesFileFailsNamingItsJar() throws IOException {
    Path classes = compile(hook("r.Fine"));
    Path dir = Files.createDirectories(tmp.resolve("malformed"));
    jar(dir.resolve("a.jar"), classes, List.of("r/Fine"), Map.of(HOOK, "r.Fine"));
    Path bad = jar(dir.resolve("b.jar"), classes, List.of(), Map.of(HOOK, "r.Fine\nnot a class\n"));
    assertThatThrownBy(() -> PluginFolder.open(dir, parent))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "plugin jar " + bad + ": line 2 of META-INF/services/" + HOOK + " is not a class name");
  }

  @Test
  void theLastReleaseClosesTheJarFiles() throws IOException {
    Path classes = compile(hook("s.Late"), "package s; public class Later {}");
    Path dir = Files.createDirectories(tmp.resolve("release"));
    Path jar =
        jar(dir.resolve("s.jar"), classes, List.of("s/Late", "s/Later"), Map.of(HOOK, "s.Late"));
    PluginFolder plugins = PluginFolder.open(dir, parent);
    PluginFolder engineUse = plugins.retain();
    assertThat(openFiles(jar)).as("the plugins' loader holds %s open", jar).isNotEmpty();

    plugins.close(); // the producer's disposer
    assertThat(plugins.closed()).isFalse();
    assertThat(openFiles(jar)).as("still in use by the engine").isNotEmpty();
    ClassLoader loader = plugins.classLoader();
    assertThat(loader).isNotNull();
    try {
      assertThat(Class.forName("s.Later", false, loader)).isNotNull();
    } catch (ClassNotFoundException e) {
      throw new AssertionError("a class of the jar loads while the engine holds it", e);
    }

    engineUse.release(); // the engine's disposer
    assertThat(plugins.closed()).isTrue();
    assertThat(openFiles(jar)).as("file handles on %s after the last release", jar).isEmpty();
    engineUse.release(); // idempotent
    assertThatThrownBy(plugins::retain).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void reopeningAfterCloseLeavesNoHandlesBehind() throws IOException {
    Path classes = compile(hook("t.Again"));
    Path dir = Files.createDirectories(tmp.resolve("again"));
    Path jar = jar(dir.resolve("t.jar"), classes, List.of("t/Again"), Map.of(HOOK, "t.Again"));
    for (int deployment = 0; deployment < 3; deployment++) {
      try (PluginFolder plugins = PluginFolder.open(dir, parent)) {
        assertThat(plugins.objects(PresenceEventHook.class)).hasSize(1);
      }
      assertThat(openFiles(jar)).as("handles on %s after deployment %d", jar, deployment).isEmpty();
    }
  }

  // ---- helpers ----

  private void expectFailure(
      Path classes, String name, String className, String type, String... messageParts)
      throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("fail-" + name));
    List<String> entries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      files
          .filter(Files::isRegularFile)
          .map(p -> classes.relativize(p).toString().replace('\\', '/'))
          .map(p -> p.substring(0, p.length() - ".class".length()))
          .forEach(entries::add);
    }
    Path jar = jar(dir.resolve(name + ".jar"), classes, entries, Map.of(type, className));
    String simple = type.substring(type.lastIndexOf('.') + 1);
    assertThatThrownBy(() -> PluginFolder.open(dir, parent))
        .as("jar %s", jar)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("plugin jar " + jar + ": " + simple + " provider " + className)
        .hasMessageContainingAll(messageParts);
    assertThat(openFiles(jar)).as("file handles on %s after the failure", jar).isEmpty();
  }

  private static String hook(String className) {
    int dot = className.lastIndexOf('.');
    return "package "
        + className.substring(0, dot)
        + "; public class "
        + className.substring(dot + 1)
        + " implements dev.presence.spi.PresenceEventHook {"
        + " public void onEvent(dev.presence.event.PresenceEvent e) {} }";
  }

  /** Compiles sources (one public class each) against the test class path. */
  private Path compile(String... sources) throws IOException {
    Path src = Files.createTempDirectory(tmp, "src");
    Path out = Files.createTempDirectory(tmp, "classes");
    List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-classpath"));
    args.add(System.getProperty("java.class.path"));
    args.add("-proc:none");
    for (String source : sources) {
      String pkg = source.substring("package ".length(), source.indexOf(';'));
      String rest = source.substring(source.indexOf("public class ") + "public class ".length());
      String simple = rest.substring(0, rest.indexOf(' '));
      Path file = src.resolve(pkg.replace('.', '/')).resolve(simple + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, source);
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, args.toArray(String[]::new));
    assertThat(rc).as("javac of the test plugins").isZero();
    return out;
  }

  /** Writes a jar of some compiled classes and services files. */
  private static Path jar(
      Path file, Path classes, List<String> classNames, Map<String, String> services) {
    try (OutputStream os = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(os)) {
      for (String c : classNames) {
        Path f = classes.resolve(c + ".class");
        if (!Files.exists(f)) {
          continue;
        }
        jar.putNextEntry(new JarEntry(c + ".class"));
        jar.write(Files.readAllBytes(f));
        jar.closeEntry();
      }
      for (Map.Entry<String, String> s : services.entrySet()) {
        jar.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
        jar.write(s.getValue().getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** This process's open file descriptors on a file (Linux {@code /proc/self/fd}). */
  private static List<String> openFiles(Path file) throws IOException {
    List<String> open = new ArrayList<>();
    Path real = file.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).equals(real)) {
            open.add(fd.toString());
          }
        } catch (IOException e) {
          // gone meanwhile (the listing's own descriptor)
        }
      }
    }
    return open;
  }
}
