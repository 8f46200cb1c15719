package dev.presence.it.client;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.BufferedWriter;
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
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
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

  /** Where each run's whole output is kept. */
  private static final Path LOG_DIR = Path.of("target/node-logs").toAbsolutePath();

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
                "npm")
            .exitCode();
    if (exit != 0) {
      throw missing("npm ci failed in " + JS_DIR + " (exit code " + exit + ")");
    }
  }

  /**
   * Runs a command in {@link #JS_DIR}, streaming its output (standard error merged) to standard
   * output with {@code [prefix]} before each line, and keeping it whole in {@code
   * target/node-logs/<prefix>.log}.
   *
   * @param command the command
   * @param env variables added to the environment
   * @param timeout how long it may run; after that it is killed and the test fails
   * @param prefix the output prefix
   * @return the exit code and the failures the output reports
   */
  public static Outcome run(
      List<String> command, Map<String, String> env, Duration timeout, String prefix) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(JS_DIR.toFile());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    System.out.println(
        "[" + prefix + "] $ " + String.join(" ", command) + "   (in " + JS_DIR + ")");
    Path log = LOG_DIR.resolve(prefix.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
    Process process;
    try {
      Files.createDirectories(LOG_DIR);
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
    FailureExcerpt failures = new FailureExcerpt();
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = out.readLine()) != null) {
                  System.out.println("[" + prefix + "] " + line);
                  file.write(line);
                  file.newLine();
                  failures.accept(line);
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
        fail(command + " did not finish within " + timeout + "; its output: " + log);
      }
      pump.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
    return new Outcome(process.exitValue(), failures.text(), log);
  }

  /**
   * How a command ended.
   *
   * @param exitCode its exit code
   * @param failures the failed tests of Node's TAP output with their diagnostics (at most {@value
   *     FailureExcerpt#MAX_LINES} lines), empty when it reported none
   * @param log the file holding the whole output
   */
  public record Outcome(int exitCode, String failures, Path log) {

    /**
     * A description for an assertion on the exit code: where the output is, and the failures.
     *
     * @param what what ran, e.g. {@code node --test browser/}
     * @return the description
     */
    public String describe(String what) {
      return "exit code of "
          + what
          + " (whole output above and in "
          + log
          + ")"
          + (failures.isEmpty() ? "" : "; failures:\n" + failures);
    }
  }

  /**
   * Keeps the lines of Node's TAP output that report a failure ({@code not ok ...}) and the
   * diagnostic block under each (error, expected and actual values, the first lines of the stack),
   * so that the assertion message names the failure even where only the end of a build's output is
   * kept. Lines after the first {@value #MAX_LINES} are dropped. Thread-safe.
   */
  static final class FailureExcerpt {
    static final int MAX_LINES = 80;
    private static final int STACK_LINES = 2;
    private static final Pattern NOT_OK = Pattern.compile("^(\\s*)not ok \\d+ - .*");
    private final List<String> lines = new ArrayList<>();
    private @Nullable String blockIndent;
    private boolean inStack;
    private int stackKept;

    synchronized void accept(String line) {
      var notOk = NOT_OK.matcher(line);
      if (notOk.matches()) {
        blockIndent = notOk.group(1);
        inStack = false;
        add(line);
        return;
      }
      if (blockIndent == null) {
        return;
      }
      String key = blockIndent + "  ";
      if (line.equals(key + "...")) {
        blockIndent = null;
        add(line);
      } else if (line.startsWith(key + "stack:")) {
        inStack = true;
        stackKept = 0;
        add(line);
      } else if (inStack && line.startsWith(key + "  ")) {
        if (stackKept++ < STACK_LINES) {
          add(line);
        }
      } else {
        inStack = false;
        if (!line.startsWith(key + "duration_ms:")) {
          add(line);
        }
      }
    }

    private void add(String line) {
      if (lines.size() < MAX_LINES) {
        lines.add(line);
      }
    }

    synchronized String text() {
      return String.join("\n", lines);
    }
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
