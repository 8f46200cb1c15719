package dev.presence.examples.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogHookTest {

  @TempDir Path tmp;

  private static PresenceEvent event(EventKind kind, String channel, String user, long seq) {
    return PresenceEvent.of(
        kind,
        ChannelId.of(channel),
        UserId.of(user),
        Attributes.of(Map.of("z", "last", "mood", "ha\"ppy\\")),
        2,
        seq,
        Instant.ofEpochMilli(1_000));
  }

  @Test
  void appendsOneJsonLinePerEventInOrder() throws IOException {
    Path file = tmp.resolve("audit.log");
    AuditLogHook hook = new AuditLogHook(file);
    hook.onEvent(event(EventKind.JOIN, "room-1", "alice", 1));
    hook.onEvent(event(EventKind.ATTRIBUTES_UPDATE, "room-1", "alice", 2));
    hook.onEvent(event(EventKind.LEAVE, "room-1", "alice", 3));
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .matches("\\{\"timeMs\":\\d+,\"eventTimeMs\":1000,.*")
        .endsWith(
            ",\"event\":\"join\",\"channel\":\"room-1\",\"userId\":\"alice\",\"seq\":1,"
                + "\"occupancy\":2,\"attributes\":{\"mood\":\"ha\\\"ppy\\\\\",\"z\":\"last\"}}");
    assertThat(lines.get(1)).contains("\"event\":\"attributesUpdate\"", "\"seq\":2");
    assertThat(lines.get(2)).contains("\"event\":\"leave\"", "\"seq\":3");
  }

  @Test
  void escapesWhatJsonNeedsEscaped() {
    PresenceEvent e =
        PresenceEvent.of(
            EventKind.JOIN,
            ChannelId.of("c"),
            UserId.of("u"),
            Attributes.of(Map.of("k", "tab\there \uD83D\uDE00 \u2028")),
            1,
            1,
            Instant.EPOCH);
    assertThat(AuditLogHook.toJson(e, 5))
        .endsWith("\"attributes\":{\"k\":\"tab\\u0009here \uD83D\uDE00 \\u2028\"}}");
  }

  @Test
  void aFailedWriteThrowsSoPresenceCountsIt() {
    AuditLogHook hook = new AuditLogHook(tmp.resolve("no-such-folder").resolve("audit.log"));
    assertThatThrownBy(() -> hook.onEvent(event(EventKind.JOIN, "c", "u", 1)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("no-such-folder");
  }

  @Test
  void theFileComesFromThePropertyElseTheVariableElseTheConstructorFails() {
    assertThat(AuditLogHook.configuredFile("/a", "/b")).isEqualTo(Path.of("/a"));
    assertThat(AuditLogHook.configuredFile(" ", "/b")).isEqualTo(Path.of("/b"));
    assertThatThrownBy(() -> AuditLogHook.configuredFile(null, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(AuditLogHook.FILE_PROPERTY)
        .hasMessageContaining(AuditLogHook.FILE_VARIABLE);
    assertThatThrownBy(() -> AuditLogHook.configuredFile("a\0b", null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not a path");
  }

  @Test
  void isRegisteredForServiceLoader() {
    Path file = tmp.resolve("via-service-loader.log");
    System.setProperty(AuditLogHook.FILE_PROPERTY, file.toString());
    try {
      assertThat(ServiceLoader.load(PresenceEventHook.class))
          .singleElement()
          .isInstanceOfSatisfying(AuditLogHook.class, h -> assertThat(h.file()).isEqualTo(file));
    } finally {
      System.clearProperty(AuditLogHook.FILE_PROPERTY);
    }
  }
}
