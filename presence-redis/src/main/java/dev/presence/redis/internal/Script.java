package dev.presence.redis.internal;

import dev.presence.UnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code presence.lua}, run by EVALSHA; loaded again (SCRIPT LOAD) when Redis does not know it, as
 * after a restart. Every call is one atomic step in Redis.
 *
 * <p>Errors: a connection that is down, a timeout, or a Redis that cannot serve now (loading, busy,
 * a read-only replica) is {@link UnavailableException}; an error of the script itself is a bug and
 * {@link IllegalStateException}. Thread-safe.
 */
final class Script {

  private static final String[] NO_KEYS = new String[0];

  private final StatefulRedisConnection<String, String> connection;
  private final String prefix;
  private final String source;
  private final String sha;

  Script(StatefulRedisConnection<String, String> connection, String prefix) {
    this.connection = connection;
    this.prefix = prefix;
    try (InputStream in = Script.class.getResourceAsStream("presence.lua")) {
      if (in == null) {
        throw new IllegalStateException("presence.lua is missing from the presence-redis jar");
      }
      source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-1")
                      .digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot read presence.lua", e);
    }
  }

  /**
   * Runs one operation of the script.
   *
   * @param operation the operation name
   * @param args its arguments after the prefix
   * @return the script's answer (lists of strings, longs and lists)
   * @throws UnavailableException if Redis cannot be reached or cannot serve now
   */
  List<Object> call(String operation, String... args) {
    String[] argv = new String[args.length + 2];
    argv[0] = operation;
    argv[1] = prefix;
    System.arraycopy(args, 0, argv, 2, args.length);
    return guard(
        () -> {
          try {
            return connection.sync().evalsha(sha, ScriptOutputType.MULTI, NO_KEYS, argv);
          } catch (RedisNoScriptException e) {
            connection.sync().scriptLoad(source);
            return connection.sync().evalsha(sha, ScriptOutputType.MULTI, NO_KEYS, argv);
          }
        });
  }

  /**
   * Runs a Redis command, mapping Lettuce's errors as {@link #call} does.
   *
   * @param <T> the result type
   * @param command the command
   * @return its result
   */
  static <T> T guard(Supplier<T> command) {
    try {
      return command.get();
    } catch (RedisCommandExecutionException e) {
      String message = String.valueOf(e.getMessage()).toUpperCase(Locale.ROOT);
      for (String transient_ :
          List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "OOM", "NOREPLICAS")) {
        if (message.startsWith(transient_)) {
          // The client sees the message (503): Redis's own text stays in the cause, for the log.
          throw new UnavailableException("the presence store is unavailable; try again later", e);
        }
      }
      throw new IllegalStateException("the presence script failed in Redis: " + e.getMessage(), e);
    } catch (RedisException e) {
      throw new UnavailableException("the presence store is unavailable; try again later", e);
    }
  }
}
