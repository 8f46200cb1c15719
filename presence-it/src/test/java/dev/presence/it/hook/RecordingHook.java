package dev.presence.it.hook;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An event hook that {@code HookIT} deploys in the presence WAR: appends one line per event, {@code
 * channel seq kind user node delay} separated by tabs, to the file named by the system property
 * {@value #FILE}; {@code node} is the system property {@value #NODE}, {@code delay} the
 * milliseconds from the event's timestamp to the call (all nodes run on one machine, so one clock).
 *
 * <p>It is registered twice, as a CDI bean (this annotation; the WAR discovers annotated beans) and
 * in {@code META-INF/services/dev.presence.spi.PresenceEventHook}: the engine must run it once, so
 * a second instance would show as duplicate lines.
 */
@ApplicationScoped
public class RecordingHook implements PresenceEventHook {

  /** System property: the file lines are appended to. */
  public static final String FILE = "presence.it.hook.file";

  /** System property: the node name written on each line. */
  public static final String NODE = "presence.it.hook.node";

  /** Public no-argument constructor, for CDI and ServiceLoader. */
  public RecordingHook() {}

  @Override
  public void onEvent(PresenceEvent event) {
    String line =
        String.join(
                "\t",
                event.channel().value(),
                Long.toString(event.seq()),
                event.kind().wireName(),
                event.userId().value(),
                System.getProperty(NODE, "?"),
                Long.toString(System.currentTimeMillis() - event.timestamp().toEpochMilli()))
            + "\n";
    append(line);
  }

  private static synchronized void append(String line) {
    try {
      Files.writeString(
          Path.of(System.getProperty(FILE)),
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
