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
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jspecify.annotations.Nullable;

/**
 * An event hook that {@code HookIT} and {@code DeployedHooksIT} deploy in the presence WAR: appends
 * one line per event, {@code channel seq kind user node delay} separated by tabs ({@link
 * HookRecords} reads them), to the file named by the configuration key {@value #FILE}; {@code node}
 * is the key {@value #NODE}, {@code delay} the milliseconds from the event's timestamp to the call
 * (server and test run on one machine, so one clock). Both keys are read through MicroProfile
 * Config, in the WAR's class loader: a system property ({@code HookIT}'s Payara nodes) or the WAR's
 * {@code microprofile-config.properties} ({@code DeployedHooksIT}, on any server).
 *
 * <p>It is registered twice, as a CDI bean (this annotation; the WAR discovers annotated beans) and
 * in {@code META-INF/services/dev.presence.spi.PresenceEventHook}: the engine must run it once, so
 * a second instance would show as duplicate lines.
 */
@ApplicationScoped
public class RecordingHook implements PresenceEventHook {

  /** Configuration key: the file lines are appended to. */
  public static final String FILE = "presence.it.hook.file";

  /** Configuration key: the node name written on each line. */
  public static final String NODE = "presence.it.hook.node";

  private final @Nullable String file;
  private final String node;

  /** Public no-argument constructor, for CDI and ServiceLoader. */
  public RecordingHook() {
    Config config = ConfigProvider.getConfig(RecordingHook.class.getClassLoader());
    file = config.getOptionalValue(FILE, String.class).orElse(null);
    node = config.getOptionalValue(NODE, String.class).orElse("?");
  }

  @Override
  public void onEvent(PresenceEvent event) {
    String line =
        String.join(
                "\t",
                event.channel().value(),
                Long.toString(event.seq()),
                event.kind().wireName(),
                event.userId().value(),
                node,
                Long.toString(System.currentTimeMillis() - event.timestamp().toEpochMilli()))
            + "\n";
    if (file == null) {
      throw new IllegalStateException(FILE + " is not configured");
    }
    append(Path.of(file), line);
  }

  private static synchronized void append(Path to, String line) {
    try {
      Files.writeString(
          to, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
