package dev.presence.web.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

  private final Logger logger = Logger.getLogger("dev.presence.web.ops.RateLimitedLogTest");
  private final List<LogRecord> records = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000);
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          records.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void capture() {
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    logger.addHandler(handler);
  }

  @AfterEach
  void release() {
    logger.removeHandler(handler);
  }

  @Test
  @DisplayName(
      "one line per interval, counting the lines left out, never a stack trace, however many calls")
  void oneLinePerInterval() {
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);
    assertThat(log.log("first")).isTrue();
    for (int i = 0; i < 10_000; i++) {
      assertThat(log.log("again " + i)).isFalse();
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
    assertThat(log.log("still too soon")).isFalse();
    now.addAndGet(1);
    assertThat(log.log("next")).isTrue();
    assertThat(records).hasSize(2);
    assertThat(records.get(0).getMessage()).isEqualTo("refused client input: first");
    assertThat(records.get(1).getMessage())
        .isEqualTo("refused client input: next (and 10001 more since the previous line)");
    assertThat(records).allSatisfy(r -> assertThat(r.getThrown()).isNull());
    assertThat(records).allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(Level.INFO));
  }

  @Test
  @DisplayName("lines are cut to 200 characters and control characters cannot forge lines")
  void shortAndClean() {
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);
    log.log("a\nFAKE LINE\r\u0000" + "x".repeat(1000));
    String line = records.get(0).getMessage();
    assertThat(line).doesNotContain("\n", "\r", "\u0000").endsWith("...");
    assertThat(line.length()).isLessThan(RateLimitedLog.MAX_LINE + 40);
  }

  @Test
  @DisplayName("nothing is logged (or counted) when the logger is off for INFO")
  void silenced() {
    logger.setLevel(Level.WARNING);
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);
    assertThat(log.log("x")).isFalse();
    assertThat(records).isEmpty();
  }
}
