package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * What the cluster ITs share: reading the member count and class or serialization errors from node
 * logs, the presence settings of the test nodes, awaiting a channel's users, printing measured
 * figures, and starting, awaiting and stopping the processes of {@link ClusterNode}s and {@link
 * HazelcastMember}.
 */
final class ClusterSupport {

  /**
   * The member count a node logs whenever its Hazelcast member list changes: Payara's data grid
   * status, e.g. {@code Payara Data Grid State: DG Version: 5 DG Name: c DG Size: 2} (Payara Micro
   * does not log Hazelcast's own lines), or Hazelcast's {@code Members {size:2, ver:2} [} (an
   * embedded member, e.g. on WildFly).
   */
  private static final Pattern MEMBERS = Pattern.compile("DG Size: (\\d+)|Members \\{size:(\\d+),");

  /**
   * What a failed cross-member (de)serialization leaves in a node log. The last alternative is
   * Hazelcast's NullPointerException when an entry processor arrives at a member that cannot
   * deserialize it (Payara's serializer then yields null).
   */
  private static final Pattern SERIALIZATION_TROUBLE =
      Pattern.compile(
          "ClassNotFoundException|NoClassDefFoundError|HazelcastSerializationException"
              + "|InvalidClassException|ClassCastException|\"this\\.entryProcessor\" is null");

  /**
   * Where a log record starts: {@code [2026-12-04T...} (Payara Micro) or {@code 09:30:14,123 }
   * (WildFly's console format, after the colour codes it starts lines with).
   */
  private static final Pattern RECORD_START =
      Pattern.compile(
          "(?m)^(?=\\[\\d{4}-\\d\\d-\\d\\dT|(?:\\u001b\\[[0-9;]*m)*\\d\\d:\\d\\d:\\d\\d,\\d{3} )");

  /**
   * What a member logs when it cannot read an operation that Hazelcast retried during a partition
   * migration (serialized again on a Hazelcast thread without the application's context; see
   * presence-hazelcast/README.md, "Starting and stopping nodes"): Hazelcast's operation runner or
   * executor failing to read one of the backend's processors. The caller's store sends such a call
   * again from its own thread, so the call succeeds; the failures list of the test proves it.
   */
  static final Pattern RETRIED_READ =
      Pattern.compile(
          "(?s)^[^\n]*\\.(OperationRunnerImpl|OperationExecutorImpl)\\W[^\n]*\n.*"
              + "ClassNotFoundException: dev\\.presence\\.hazelcast\\.internal\\.");

  private ClusterSupport() {}

  /**
   * Where a test's measured figures go: stdout, as {@code [tag] line}, and, when {@code file} is
   * set, appended to it as {@code run line}.
   *
   * @param tag the test's name
   * @param file the metrics file, or null to print only
   * @param run what a line in the file starts with (the run's id)
   */
  record Metrics(String tag, @Nullable Path file, String run) {

    /** Prints (and appends) one figure. */
    void print(String format, Object... args) {
      String line = String.format(Locale.ROOT, format, args);
      System.out.println("[" + tag + "] " + line);
      if (file == null) {
        return;
      }
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(
            file,
            run + " " + line + System.lineSeparator(),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * A node's log from a position on.
   *
   * @param node the node
   * @param offset the log's length when the mark was taken
   */
  record LogMark(ClusterNode node, int offset) {

    /** The node's log as it stands now: what it logs from here on follows the mark. */
    static LogMark of(ClusterNode node) {
      return new LogMark(node, node.log().length());
    }

    /** What the node logged since the mark. */
    String since() {
      return node.log().substring(offset);
    }
  }

  /**
   * The JVM arguments a test node's presence runs with: dev tokens, timeout {@code t}, grace {@code
   * g}, short test timeouts, then {@code more}.
   */
  static List<String> presenceArgs(Duration t, Duration g, String... more) {
    List<String> args = new ArrayList<>();
    args.add("-Dpresence.auth.mode=dev");
    args.add("-Dpresence.timeout=" + t.toSeconds() + "s");
    args.add("-Dpresence.grace=" + g.toSeconds() + "s");
    args.add("-Dpresence.testing.short-timeouts=true");
    args.addAll(List.of(more));
    return List.copyOf(args);
  }

  /** An HTTP client of a node. */
  static Http http(ClusterNode node) {
    try {
      return new Http(node.base().toURL());
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The size of the last Hazelcast member list in a log, or -1. */
  static int lastMemberCount(String log) {
    Matcher m = MEMBERS.matcher(log);
    int size = -1;
    while (m.find()) {
      size = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return size;
  }

  /**
   * Waits up to 60 s (polling every 200 ms) until the last member list in the log of each node has
   * {@code n} members.
   */
  static void awaitMembers(String alias, int n, ClusterNode... nodes) {
    LogMark[] whole = new LogMark[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      whole[i] = new LogMark(nodes[i], 0);
    }
    awaitMembersSince(alias, Duration.ofSeconds(60), Duration.ofMillis(200), n, whole);
  }

  /**
   * Waits until the last member list each node logged since its mark has {@code n} members.
   *
   * @param alias what is awaited, for the message
   * @param atMost how long at most
   * @param pollInterval how often to look
   * @param n the member count
   * @param marks the nodes and where their logs stood
   */
  static void awaitMembersSince(
      String alias, Duration atMost, Duration pollInterval, int n, LogMark... marks) {
    await(alias)
        .atMost(atMost)
        .pollInterval(pollInterval)
        .until(
            () -> {
              for (LogMark mark : marks) {
                if (lastMemberCount(mark.since()) != n) {
                  return false;
                }
              }
              return true;
            });
  }

  /** The channel's users on this node now, with their attributes. */
  static Map<String, Map<String, String>> users(Http http, String ch) {
    JsonNode body = http.get(Http.users(ch), Tokens.dev("reader")).okJson();
    Map<String, Map<String, String>> seen = new HashMap<>();
    for (JsonNode u : body.path("users")) {
      seen.put(u.path("userId").asText(), Json.stringMap(u.path("attributes")));
    }
    return seen;
  }

  /**
   * Waits (up to 10 s, polling every 100 ms) until the channel's users on this node are exactly
   * these (with attributes).
   *
   * @param checkOccupancy whether the answer's {@code occupancy} must be their number too
   */
  static void awaitUsers(
      Http http, String ch, Map<String, Map<String, String>> users, boolean checkOccupancy) {
    await("users of " + ch + " on " + http.base() + " = " + users)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              JsonNode body = http.get(Http.users(ch), Tokens.dev("reader")).okJson();
              Map<String, Map<String, String>> seen = new HashMap<>();
              for (JsonNode u : body.path("users")) {
                seen.put(u.path("userId").asText(), Json.stringMap(u.path("attributes")));
              }
              assertThat(seen).as("%s", body).isEqualTo(users);
              if (checkOccupancy) {
                assertThat(body.path("occupancy").asInt()).isEqualTo(users.size());
              }
            });
  }

  /**
   * Asserts that a node's log holds no class or serialization error, other than log records
   * matching {@code allowed} (a record: from one {@code [2026-...]} header to the next), which are
   * counted and reported as unreadable retried operations.
   *
   * @param node the node, for messages
   * @param log the part of its log to look at
   * @param allowed records not counted as errors, or null for none
   * @param metrics where the count of allowed records goes
   * @param reportNone whether to report a count of zero too
   */
  static void assertNoSerializationTrouble(
      ClusterNode node,
      String log,
      @Nullable Pattern allowed,
      Metrics metrics,
      boolean reportNone) {
    List<String> bad = new ArrayList<>();
    int allowedRecords = 0;
    for (String record : RECORD_START.split(log)) {
      if (!SERIALIZATION_TROUBLE.matcher(record).find()) {
        continue;
      }
      if (allowed != null && allowed.matcher(record).find()) {
        allowedRecords++;
        continue;
      }
      record.lines().filter(l -> SERIALIZATION_TROUBLE.matcher(l).find()).forEach(bad::add);
    }
    if (reportNone || allowedRecords > 0) {
      metrics.print(
          "%s logged %d unreadable retried operation(s) (sent again)", node.name(), allowedRecords);
    }
    assertThat(bad.stream().limit(20).toList())
        .as("class/serialization errors in %s", node.logFile())
        .isEmpty();
  }

  // ---- processes ----

  /**
   * Starts a process in {@code dir} with its output (stdout and stderr) appended to {@code log},
   * which first gets the command line.
   */
  static Process launch(List<String> cmd, Path dir, Path log) {
    try {
      Files.writeString(log, String.join(" ", cmd) + System.lineSeparator());
      return new ProcessBuilder(cmd)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits (polling every 500 ms) until {@code GET <base>health/ready} answers 200; fails with the
   * last answer and the end of the node's log (CI keeps no node logs) if it does not in time.
   *
   * @param name the node's name, for messages
   * @param base the application root
   * @param process the node's process (the wait ends early if it exits)
   * @param log the node's log file
   * @param timeout how long at most
   */
  static void awaitReady(String name, URI base, Process process, Path log, Duration timeout) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    HttpRequest ready =
        HttpRequest.newBuilder(base.resolve("health/ready")).timeout(Duration.ofSeconds(5)).build();
    String[] last = {"no answer"};
    try {
      await(name + " ready (log " + log + ")")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(
              () -> {
                checkAlive(name, process, log);
                var r = client.send(ready, BodyHandlers.ofString());
                last[0] = r.statusCode() + " " + r.body();
                return r.statusCode() == 200;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          name
              + " not ready within "
              + timeout
              + "; last /health/ready: "
              + last[0]
              + "\n--- last lines of "
              + log
              + ":\n"
              + tail(log, 80),
          e);
    }
  }

  /** The last lines of a file, or why it could not be read. */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(could not read it: " + e + ")";
    }
  }

  /** Throws if the process has ended (while the test waits for it to start). */
  static void checkAlive(String name, Process process, Path log) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          name + " exited with " + process.exitValue() + "; see " + log);
    }
  }

  /** A log file's content so far. */
  static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL ({@link Process#destroyForcibly()}), waiting (30 s at most) until it is gone. */
  static void kill(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then SIGKILL if the process is still there after 30 s. */
  static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill(process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
    }
  }
}
