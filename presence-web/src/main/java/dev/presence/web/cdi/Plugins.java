package dev.presence.web.cdi;

import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.PresenceBackends;
import jakarta.enterprise.inject.Instance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds integrator plug-ins (hooks, authorizers, backend providers) as CDI beans, through
 * ServiceLoader in the application's class loader, and in the plugin jars of {@code
 * presence.plugins.dir} ({@link PluginFolder}).
 */
final class Plugins {

  private Plugins() {}

  /**
   * Every CDI bean of a type, then every class listed for {@link ServiceLoader} in the
   * application's class loader, then the plugin jars' providers of the type in their order; a class
   * found more than one way is used once (the first found: the bean, else the bundled one).
   *
   * @param <T> the plug-in type
   * @param beans the beans
   * @param type the plug-in type
   * @param loader the class loader for ServiceLoader
   * @param plugins the plugin jars' providers
   * @return the plug-ins, beans first, plugin jars' last
   * @throws java.util.ServiceConfigurationError if a class listed in the application cannot be
   *     loaded or created
   */
  static <T> List<T> discover(
      Instance<T> beans, Class<T> type, ClassLoader loader, PluginFolder plugins) {
    List<T> fromCdi = new ArrayList<>();
    beans.forEach(fromCdi::add);
    List<T> fromServiceLoader = new ArrayList<>();
    ServiceLoader.load(type, loader).forEach(fromServiceLoader::add);
    return mergeByClass(mergeByClass(fromCdi, fromServiceLoader), plugins.objects(type));
  }

  /**
   * The backend providers bundled in the application ({@link PresenceBackends#discover}) and those
   * of the plugin jars, each class once (the bundled one first), by descending priority then name,
   * as {@link PresenceBackends#discover} orders them.
   *
   * @param loader the application's class loader
   * @param plugins the plugin jars' providers
   * @return the candidates for {@link PresenceBackends#choose}
   */
  static List<PresenceBackendProvider> backendProviders(ClassLoader loader, PluginFolder plugins) {
    List<PresenceBackendProvider> all =
        new ArrayList<>(
            mergeByClass(
                PresenceBackends.discover(loader), plugins.objects(PresenceBackendProvider.class)));
    all.sort(
        Comparator.comparingInt(PresenceBackendProvider::priority)
            .reversed()
            .thenComparing(PresenceBackendProvider::name));
    return List.copyOf(all);
  }

  /**
   * Merges two lists keeping the first object of each class (CDI client proxies count as the class
   * they proxy).
   *
   * @param <T> the element type
   * @param first the preferred objects
   * @param second the others
   * @return the merged list, in encounter order
   */
  static <T> List<T> mergeByClass(List<? extends T> first, List<? extends T> second) {
    Map<String, T> byClass = new LinkedHashMap<>();
    for (T t : first) {
      byClass.putIfAbsent(className(t), t);
    }
    for (T t : second) {
      byClass.putIfAbsent(className(t), t);
    }
    return List.copyOf(byClass.values());
  }

  /**
   * The class name of an object, without the suffix of a CDI client proxy (Weld names them {@code
   * Foo$Proxy$_$$_WeldClientProxy}).
   *
   * @param o the object
   * @return the class name
   */
  static String className(Object o) {
    String name = o.getClass().getName();
    int proxy = name.indexOf("$Proxy$_$$_");
    return proxy > 0 ? name.substring(0, proxy) : name;
  }
}
