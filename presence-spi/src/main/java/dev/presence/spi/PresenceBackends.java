package dev.presence.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds and chooses a {@link PresenceBackendProvider}.
 *
 * <p>Providers are found with {@link ServiceLoader}: first through the given class loader (normally
 * the thread context class loader, which sees the application's jars), then through this class's
 * own loader; a provider class found by both counts once. If a name is configured ({@code
 * presence.store}), the provider with that name is chosen; otherwise the one with the highest
 * priority. A missing name, or a tie at the top, fails with the candidates named.
 *
 * @since 0.1
 */
public final class PresenceBackends {

  private PresenceBackends() {}

  /**
   * Lists the providers visible from a class loader and from this class's loader.
   *
   * @param loader the first class loader to search, or null for only this class's loader
   * @return the providers, each class once, by descending priority then name
   */
  public static List<PresenceBackendProvider> discover(@Nullable ClassLoader loader) {
    Map<String, PresenceBackendProvider> byClass = new LinkedHashMap<>();
    if (loader != null) {
      ServiceLoader.load(PresenceBackendProvider.class, loader)
          .forEach(p -> byClass.putIfAbsent(p.getClass().getName(), p));
    }
    ServiceLoader.load(PresenceBackendProvider.class, PresenceBackends.class.getClassLoader())
        .forEach(p -> byClass.putIfAbsent(p.getClass().getName(), p));
    List<PresenceBackendProvider> all = new ArrayList<>(byClass.values());
    all.sort(
        Comparator.comparingInt(PresenceBackendProvider::priority)
            .reversed()
            .thenComparing(PresenceBackendProvider::name));
    return List.copyOf(all);
  }

  /**
   * Chooses among providers.
   *
   * @param providers the candidates
   * @param name the configured name, or null to choose by priority
   * @return the chosen provider
   * @throws IllegalStateException if there is no candidate, none has the name, several have it, or
   *     several share the highest priority; the message lists the candidates
   */
  public static PresenceBackendProvider choose(
      List<PresenceBackendProvider> providers, @Nullable String name) {
    if (providers.isEmpty()) {
      throw new IllegalStateException(
          "no presence backend found: put one on the class path (presence-hazelcast, or the"
              + " in-memory backend of presence-spi)");
    }
    if (name != null && !name.isBlank()) {
      List<PresenceBackendProvider> named =
          providers.stream().filter(p -> p.name().equals(name.trim())).toList();
      if (named.size() == 1) {
        return named.get(0);
      }
      throw new IllegalStateException(
          (named.isEmpty() ? "no presence backend is named '" : "several backends are named '")
              + name.trim()
              + "' (presence.store); candidates: "
              + describe(providers));
    }
    int top = providers.stream().mapToInt(PresenceBackendProvider::priority).max().orElseThrow();
    List<PresenceBackendProvider> best =
        providers.stream().filter(p -> p.priority() == top).toList();
    if (best.size() > 1) {
      throw new IllegalStateException(
          "several presence backends share the highest priority; choose one with presence.store:"
              + " "
              + describe(best));
    }
    return best.get(0);
  }

  private static String describe(List<PresenceBackendProvider> providers) {
    return providers.stream()
        .map(p -> p.name() + " (priority " + p.priority() + ", " + p.getClass().getName() + ")")
        .collect(Collectors.joining(", "));
  }
}
