package dev.presence.it.hook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One line of a {@link RecordingHook} file: one event as the hook saw it.
 *
 * @param channel the channel
 * @param seq the event's seq in the channel
 * @param kind the event kind's wire name
 * @param user the user id
 * @param node the {@value RecordingHook#NODE} of the server that ran the hook
 * @param delay milliseconds from the event's timestamp to the hook call
 */
public record HookLine(
    String channel, long seq, String kind, String user, String node, long delay) {

  /** Parses a line as {@link RecordingHook} writes it (without its newline). */
  public static HookLine parse(String text) {
    String[] f = text.split("\t", -1);
    assertThat(f).as("hook line '%s'", text).hasSize(6);
    return new HookLine(f[0], Long.parseLong(f[1]), f[2], f[3], f[4], Long.parseLong(f[5]));
  }

  /**
   * The lines of a hook file for channels whose names start with {@code prefix}; none if absent.
   */
  public static List<HookLine> read(Path file, String prefix) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .filter(l -> l.startsWith(prefix))
          .map(HookLine::parse)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The event as {@code seq:kind:user}, comparable with {@link #describe}. */
  public String event() {
    return seq + ":" + kind + ":" + user;
  }

  /** The seq of an event written as {@link #event()} writes it. */
  public static long seqOf(String event) {
    return Long.parseLong(event.substring(0, event.indexOf(':')));
  }

  /** A client's event messages (SPEC 2) as {@code seq:kind:user}, in order. */
  public static List<String> describe(List<JsonNode> events) {
    return events.stream()
        .map(
            ev ->
                ev.path("seq").asLong()
                    + ":"
                    + ev.path("event").asText()
                    + ":"
                    + ev.path("userId").asText())
        .toList();
  }
}
