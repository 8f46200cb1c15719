package dev.presence.web.cdi;

/** The application's class loader. */
final class ClassLoaders {
  private ClassLoaders() {}

  /**
   * The thread context class loader (during deployment, the WAR's), else this class's loader.
   *
   * @return the class loader
   */
  static ClassLoader application() {
    ClassLoader tccl = Thread.currentThread().getContextClassLoader();
    return tccl != null ? tccl : ClassLoaders.class.getClassLoader();
  }
}
