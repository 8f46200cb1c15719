package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The names, daemon flag and class loader of the threads {@link NamedThreads} makes. */
class NamedThreadsTest {

  private static final Runnable NOTHING = () -> {};

  @Test
  @DisplayName("a name ending in '-' numbers the threads from 1; any other name is kept as is")
  void names() {
    ThreadFactory numbered = NamedThreads.daemon("pool-");
    ThreadFactory single = NamedThreads.daemon("timer");

    assertThat(numbered.newThread(NOTHING).getName()).isEqualTo("pool-1");
    assertThat(numbered.newThread(NOTHING).getName()).isEqualTo("pool-2");
    assertThat(NamedThreads.daemon("pool-").newThread(NOTHING).getName()).isEqualTo("pool-1");
    assertThat(single.newThread(NOTHING).getName()).isEqualTo("timer");
    assertThat(single.newThread(NOTHING).getName()).isEqualTo("timer");
  }

  @Test
  @DisplayName("threads are daemons, also when a base factory makes them")
  void daemons() {
    ThreadFactory base = r -> new Thread(r, "base");

    Thread plain = NamedThreads.daemon("plain").newThread(NOTHING);
    Thread based = NamedThreads.daemon("based-", base, null).newThread(NOTHING);

    assertThat(plain.isDaemon()).isTrue();
    assertThat(based.isDaemon()).isTrue();
    assertThat(based.getName()).isEqualTo("based-1");
  }

  @Test
  @DisplayName("the context class loader is set when given, else left as made")
  void contextLoader() throws Exception {
    try (URLClassLoader loader = new URLClassLoader(new URL[0])) {
      Thread given = NamedThreads.daemon("given", null, loader).newThread(NOTHING);
      Thread kept = NamedThreads.daemon("kept").newThread(NOTHING);

      assertThat(given.getContextClassLoader()).isSameAs(loader);
      assertThat(kept.getContextClassLoader())
          .isSameAs(Thread.currentThread().getContextClassLoader());
    }
  }

  @Test
  @DisplayName("a pool has a fixed size, an unbounded queue, and lets idle threads end after 60 s")
  void pool() {
    ThreadPoolExecutor pool = NamedThreads.pool(3, NamedThreads.daemon("pool-"));
    try {
      assertThat(pool.getCorePoolSize()).isEqualTo(3);
      assertThat(pool.getMaximumPoolSize()).isEqualTo(3);
      assertThat(pool.allowsCoreThreadTimeOut()).isTrue();
      assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(60);
      assertThat(pool.getQueue().remainingCapacity()).isEqualTo(Integer.MAX_VALUE);
    } finally {
      pool.shutdownNow();
    }
  }
}
