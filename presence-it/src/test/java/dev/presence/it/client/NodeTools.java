package dev.presence.it.client;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * Runs the JavaScript tests of {@code src/test/js} (Node's test runner) from JUnit: finds {@code
 * node}, {@code npm} and Chromium, installs the npm dev dependencies when they are missing or older
 * than {@code package-lock.json} ({@code npm ci}), and runs a command there with its output
 * streamed line by line to the test's output.
 *
 * <p>A missing tool fails the test when the environment variable {@code CI} is {@code true} (CI
 * must run these tests: {@code .ci/run} installs the tools) and skips it with a message elsewhere.
 */
public final class NodeTools {

  /** The npm project of the JavaScript tests (Failsafe runs in the module directory). */
  public static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();

  private static final int MIN_NODE_MAJOR = 20;

  private NodeTools() {}

  /**
   * The {@code node} executable, at least version {@value #MIN_NODE_MAJOR}.
   *
   * @return its path
   */
  public static Path node() {
    Path node = onPath("node").orElse(null);
    if (node == null) {
      throw missing("node (Node.js " + MIN_NODE_MAJOR + "+) is not on the PATH");
    }
    String version = output(List.of(node.toString(), "--version")).trim();
    int major = Integer.parseInt(version.replaceFirst("^v(\\d+).*$", "$1"));
    if (major < MIN_NODE_MAJOR) {
      throw missing("node " + version + " is too old; Node.js " + MIN_NODE_MAJOR + "+ is needed");
    }
    return node;
  }

  /**
   * The Chromium executable: {@code PRESENCE_CHROMIUM}, else Debian's {@code /usr/bin/chromium}.
   *
   * @return its path
   */
  public static Path chromium() {
    String configured = System.getenv("PRESENCE_CHROMIUM");
    Path chromium = Path.of(configured != null ? configured : "/usr/bin/chromium");
    if (!Files.isExecutable(chromium)) {
      throw missing(
          "Chromium not found at "
              + chromium
              + " (apt-get install chromium, or set PRESENCE_CHROMIUM)");
    }
    return chromium;
  }

  /** Runs {@code npm ci} unless {@code node_modules} matches {@code package-lock.json} already. */
  public static void installDependencies() {
    Path installed = JS_DIR.resolve("node_modules/.package-lock.json");
    Path lock = JS_DIR.resolve("package-lock.json");
    try {
      if (Files.isRegularFile(installed)
          && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
        return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path npm = onPath("npm").orElse(null);
    if (npm == null) {
      throw missing(
          "npm is not on the PATH (needed once for " + JS_DIR.resolve("node_modules") + ")");
    }
    int exit =
        run(
            List.of(npm.toString(), "ci", "--no-audit", "--no-fund"),
            Map.of(),
            Duration.ofMinutes(5),
            "npm");
    if (exit != 0) {
      throw missing("npm ci failed in " + JS_DIR + " (exit code " + exit + ")");
    }
  }

  /**
   * Runs a command in {@link #JS_DIR}, streaming its output (standard error merged) to standard
   * output with {@code [prefix]} before each line.
   *
   * @param command the command
   * @param env variables added to the environment
   * @param timeout how long it may run; after that it is killed and the test fails
   * @param prefix the output prefix
   * @return the exit code
   */
  public static int run(
      List<String> command, Map<String, String> env, Duration timeout, String prefix) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(JS_DIR.toFile());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    System.out.println(
        "[" + prefix + "] $ " + String.join(" ", command) + "   (in " + JS_DIR + ")");
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  System.out.println("[" + prefix + "] " + line);
                }
              } catch (IOException e) {
                System.out.println("[" + prefix + "] (output ended: " + e + ")");
              }
            },
            prefix + "-output");
    pump.setDaemon(true);
    pump.start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail(command + " did not finish within " + timeout);
      }
      pump.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
    return process.exitValue();
  }

  private static String output(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * What to throw for a missing tool: a failure on CI, a skip elsewhere.
   *
   * @throws AssertionError when {@code CI} is {@code true}
   */
  private static TestAbortedException missing(String why) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(
          why + " (CI=true: the JavaScript client tests must run; .ci/run installs the tools)");
    }
    return new TestAbortedException(
        why + ": JavaScript client tests skipped (they fail instead when CI=true)");
  }
}
