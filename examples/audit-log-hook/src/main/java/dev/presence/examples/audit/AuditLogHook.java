package dev.presence.examples.audit;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * An event hook that appends every presence event to a file, one JSON object per line:
 *
 * <pre>{@code
 * {"timeMs":1733300000000,"event":"join","channel":"room-1","userId":"alice","seq":7,
 *  "occupancy":3,"attributes":{"mood":"happy"}}
 * }</pre>
 *
 * <p>(one line in the file; {@code event} is the wire name: {@code join}, {@code leave}, {@code
 * timeout}, {@code attributesUpdate}; attributes sorted by name).
 *
 * <p><b>Configuration.</b> The file is the system property {@value #FILE_PROPERTY}, else the
 * environment variable {@value #FILE_VARIABLE}. Without either the constructor throws, and Presence
 * fails the deployment naming this plugin's jar: an audit log that silently writes nowhere would be
 * worse.
 *
 * <p><b>Threading.</b> Presence calls a hook on a thread of its own, one event at a time, each
 * event once in the whole cluster: on a cluster each node appends the events whose hooks it runs to
 * its own file, so give each node its own path (or a shared file system's file per node). The file
 * is opened and closed for each event (nothing is held open between events, so nothing needs
 * closing at undeploy); a failed write throws, which Presence logs and counts ({@code
 * presence_hook_failures_total}), and the next event is tried again.
 */
public final class AuditLogHook implements PresenceEventHook {

  /** System property naming the file. */
  public static final String FILE_PROPERTY = "presence.audit.file";

  /** Environment variable naming the file, if the system property is unset. */
  public static final String FILE_VARIABLE = "PRESENCE_AUDIT_FILE";

  private final Path file;

  /**
   * Creates the hook from the system property or environment variable (ServiceLoader calls this).
   *
   * @throws IllegalStateException if neither is set, or the value is not a path
   */
  public AuditLogHook() {
    this(configuredFile(System.getProperty(FILE_PROPERTY), System.getenv(FILE_VARIABLE)));
  }

  /**
   * Creates the hook for a file.
   *
   * @param file the file events are appended to (created if missing; its folder must exist)
   */
  public AuditLogHook(Path file) {
    this.file = file;
  }

  /**
   * The file events go to.
   *
   * @return the file
   */
  public Path file() {
    return file;
  }

  @Override
  public void onEvent(PresenceEvent event) {
    String line = toJson(event, System.currentTimeMillis()) + "\n";
    try {
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("audit log " + file + " cannot be written", e);
    }
  }

  /**
   * The JSON line of an event (without the newline).
   *
   * @param event the event
   * @param timeMs when the hook saw it (epoch milliseconds)
   * @return one JSON object
   */
  static String toJson(PresenceEvent event, long timeMs) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("{\"timeMs\":").append(timeMs);
    sb.append(",\"eventTimeMs\":").append(event.timestamp().toEpochMilli());
    sb.append(",\"event\":");
    string(sb, event.kind().wireName());
    sb.append(",\"channel\":");
    string(sb, event.channel().value());
    sb.append(",\"userId\":");
    string(sb, event.userId().value());
    sb.append(",\"seq\":").append(event.seq());
    sb.append(",\"occupancy\":").append(event.occupancy());
    sb.append(",\"attributes\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(event.attributes().values()).entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, e.getKey());
      sb.append(':');
      string(sb, e.getValue());
    }
    return sb.append("}}").toString();
  }

  /**
   * Appends a JSON string: quotes, backslashes, controls and the line separators U+2028/U+2029
   * escaped. Presence's ids and attributes are valid Unicode (no unpaired surrogates).
   */
  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == '\u2028' || c == '\u2029') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  /**
   * The configured file.
   *
   * @param property the system property's value, or null
   * @param variable the environment variable's value, or null
   * @return the path
   * @throws IllegalStateException if neither is set (or blank), or the value is not a path
   */
  static Path configuredFile(@Nullable String property, @Nullable String variable) {
    String value =
        Optional.ofNullable(property)
            .filter(v -> !v.isBlank())
            .or(() -> Optional.ofNullable(variable).filter(v -> !v.isBlank()))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "AuditLogHook: set the system property "
                            + FILE_PROPERTY
                            + " or the environment variable "
                            + FILE_VARIABLE
                            + " to the audit log's file"));
    try {
      return Path.of(value.trim());
    } catch (InvalidPathException e) {
      throw new IllegalStateException(
          "AuditLogHook: " + FILE_PROPERTY + " is not a path: " + e.getReason(), e);
    }
  }
}
