package dev.presence.web.cdi;

import jakarta.enterprise.inject.Instance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Finds integrator plug-ins (hooks, authorizers) as CDI beans and through ServiceLoader. */
final class Plugins {

  private Plugins() {}

  /**
   * Every CDI bean of a type, then every class listed for {@link ServiceLoader} in the
   * application's class loader; a class found both ways is used once (the bean).
   *
   * @param <T> the plug-in type
   * @param beans the beans
   * @param type the plug-in type
   * @param loader the class loader for ServiceLoader
   * @return the plug-ins, beans first
   * @throws java.util.ServiceConfigurationError if a listed class cannot be loaded or created
   */
  static <T> List<T> discover(Instance<T> beans, Class<T> type, ClassLoader loader) {
    List<T> fromCdi = new ArrayList<>();
    beans.forEach(fromCdi::add);
    List<T> fromServiceLoader = new ArrayList<>();
    ServiceLoader.load(type, loader).forEach(fromServiceLoader::add);
    return mergeByClass(fromCdi, fromServiceLoader);
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
