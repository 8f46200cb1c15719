package dev.presence.web.engine;

import static org.awaitility.Awaitility.await;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.PresenceEventHook;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;

/**
 * Engines over one shared in-memory backend, a fake clock, and helpers. The ticker of every engine
 * runs once an hour of real time, so only the test's explicit {@link PresenceEngine#tick()} calls
 * move liveness along.
 */
abstract class EngineTestSupport {

  static final Duration T = Duration.ofSeconds(60);
  static final Duration G = Duration.ofSeconds(5);
  static final Duration MS = Duration.ofMillis(1);

  final FakeClock clock = new FakeClock();
  final InMemoryPresenceBackend shared = new InMemoryPresenceBackend("shared");
  private final List<PresenceEngine> engines = new ArrayList<>();

  static EngineConfig config() {
    return EngineConfig.defaults()
        .withTimeout(T)
        .withGrace(G)
        .withTickInterval(Duration.ofHours(1));
  }

  TestBackend node(String nodeId) {
    return new TestBackend(shared, nodeId);
  }

  PresenceEngine engine(TestBackend backend, EngineConfig config, PresenceEventHook... hooks) {
    PresenceEngine engine = new PresenceEngine(backend, config, clock, List.of(hooks));
    engines.add(engine);
    engine.start();
    return engine;
  }

  PresenceEngine engine(EngineConfig config) {
    return engine(node("node-a"), config);
  }

  PresenceEngine engine() {
    return engine(config());
  }

  @AfterEach
  void closeEngines() {
    engines.forEach(PresenceEngine::close);
    shared.close();
  }

  static ChannelId ch(String name) {
    return ChannelId.of(name);
  }

  static UserId user(String id) {
    return UserId.of(id);
  }

  static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5));
  }

  static void eventually(ThrowingRunnable assertion) {
    eventually().untilAsserted(assertion);
  }
}
