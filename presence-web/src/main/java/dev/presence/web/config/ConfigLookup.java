package dev.presence.web.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Where configuration values come from. A blank value counts as unset.
 *
 * <p>{@link #standard()} reads, in this order: MicroProfile Config (when the server has it; it has
 * its own ordinal rules and, on Payara, also sees system properties, environment variables and
 * {@code microprofile-config.properties}), then system properties, then environment variables
 * ({@code presence.timeout} as {@code PRESENCE_TIMEOUT}).
 */
@FunctionalInterface
public interface ConfigLookup {

  /**
   * The value of a key.
   *
   * @param key the full key, such as {@code presence.timeout}
   * @return the value, or empty if unset or blank
   */
  Optional<String> value(String key);

  /**
   * The server's sources: MicroProfile Config if present, system properties, environment.
   *
   * @return the chained source
   */
  static ConfigLookup standard() {
    ConfigLookup mp = MicroProfileSource.create().orElse(key -> Optional.empty());
    return chain(List.of(mp, systemProperties(), environment(System.getenv())));
  }

  /**
   * A fixed map, for tests and embedding.
   *
   * @param values the values by key
   * @return the source
   */
  static ConfigLookup of(Map<String, String> values) {
    Map<String, String> copy = Map.copyOf(values);
    return key -> nonBlank(copy.get(key));
  }

  /**
   * The JVM's system properties, read at each call.
   *
   * @return the source
   */
  static ConfigLookup systemProperties() {
    return key -> nonBlank(System.getProperty(key));
  }

  /**
   * Environment variables: the key as written, then with dots and dashes as underscores, then that
   * in upper case ({@code PRESENCE_TIMEOUT}).
   *
   * @param env the environment
   * @return the source
   */
  static ConfigLookup environment(Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return key -> {
      Optional<String> v = nonBlank(copy.get(key));
      if (v.isEmpty()) {
        v = nonBlank(copy.get(key.replaceAll("[^A-Za-z0-9]", "_")));
      }
      if (v.isEmpty()) {
        v = nonBlank(copy.get(environmentName(key)));
      }
      return v;
    };
  }

  /**
   * Asks each source in turn; the first value wins.
   *
   * @param sources the sources, first wins
   * @return the chained source
   */
  static ConfigLookup chain(List<ConfigLookup> sources) {
    List<ConfigLookup> copy = List.copyOf(sources);
    return key -> {
      for (ConfigLookup s : copy) {
        Optional<String> v = s.value(key);
        if (v.isPresent()) {
          return v;
        }
      }
      return Optional.empty();
    };
  }

  /**
   * The environment variable name of a key: every character other than a letter or digit becomes an
   * underscore, and letters are upper case.
   *
   * @param key the key
   * @return the variable name
   */
  static String environmentName(String key) {
    return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
  }

  private static Optional<String> nonBlank(@Nullable String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /** MicroProfile Config, isolated so that servers without it never load its classes. */
  final class MicroProfileSource {
    private static final Logger LOG = Logger.getLogger(MicroProfileSource.class.getName());

    private MicroProfileSource() {}

    static Optional<ConfigLookup> create() {
      try {
        Class.forName(
            "org.eclipse.microprofile.config.ConfigProvider",
            false,
            MicroProfileSource.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return Optional.empty();
      }
      try {
        org.eclipse.microprofile.config.Config config =
            org.eclipse.microprofile.config.ConfigProvider.getConfig();
        return Optional.of(
            key -> {
              try {
                return config.getOptionalValue(key, String.class).flatMap(v -> nonBlank(v));
              } catch (RuntimeException e) {
                LOG.log(Level.FINE, "MicroProfile Config could not read " + key, e);
                return Optional.empty();
              }
            });
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "MicroProfile Config is not usable here; using system properties", e);
        return Optional.empty();
      }
    }
  }
}
