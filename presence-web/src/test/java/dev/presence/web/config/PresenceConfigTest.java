package dev.presence.web.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.PresenceLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PresenceConfigTest {

  @Test
  void defaultsAreThoseOfTheSpecification() {
    PresenceConfig c = PresenceConfig.of(Map.of());
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.grace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.store()).isEmpty();
    assertThat(c.authMode()).isEqualTo(PresenceConfig.AuthMode.JWT);
    assertThat(c.devMode()).isFalse();
    assertThat(c.limits()).isEqualTo(PresenceLimits.DEFAULTS);
    assertThat(c.wsQueueCapacity()).isEqualTo(1024);
    assertThat(c.maxFrameBytes()).isEqualTo(65536);
    assertThat(c.maxBodyBytes()).isEqualTo(65536);
    assertThat(c.sseQueueCapacity()).isEqualTo(1024);
    assertThat(c.hookQueueCapacity()).isEqualTo(10_000);
    assertThat(c.hmacSecret()).isEmpty();
    assertThat(c.publicKey()).isEmpty();
    assertThat(c.issuer()).isEmpty();
    assertThat(c.audience()).isEmpty();
    assertThat(c.pluginsDir()).isEmpty();
  }

  @Test
  void pluginsDirIsAPathCheckedOnlyForItsForm() {
    assertThat(
            PresenceConfig.of(Map.of("presence.plugins.dir", " /opt/presence/plugins "))
                .pluginsDir())
        .contains(Path.of("/opt/presence/plugins"));
    // Whether it exists is checked when the plugins are loaded, with the folder named there.
    assertThat(PresenceConfig.of(Map.of("presence.plugins.dir", "no/such/dir")).pluginsDir())
        .contains(Path.of("no/such/dir"));
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.plugins.dir", "a\0b")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.plugins.dir")
        .hasMessageContaining("not a file system path");
  }

  @Test
  void readsEveryTypedKey() {
    PresenceConfig c =
        PresenceConfig.of(
            Map.ofEntries(
                Map.entry("presence.timeout", "PT30S"),
                Map.entry("presence.grace", "0"),
                Map.entry("presence.query.cache-ttl", "500ms"),
                Map.entry("presence.store", "memory"),
                Map.entry("presence.auth.mode", "DEV"),
                Map.entry("presence.auth.issuer", "https://issuer"),
                Map.entry("presence.auth.audience", "presence"),
                Map.entry("presence.limits.channel-length", "100"),
                Map.entry("presence.limits.user-id-length", "50"),
                Map.entry("presence.limits.attribute-keys", "8"),
                Map.entry("presence.limits.attribute-key-length", "16"),
                Map.entry("presence.limits.attribute-value-length", "256"),
                Map.entry("presence.limits.attributes-bytes", "2048"),
                Map.entry("presence.limits.channels-per-session", "20"),
                Map.entry("presence.limits.sessions-per-user", "4"),
                Map.entry("presence.limits.users-per-channel", "1_000"),
                Map.entry("presence.limits.attribute-rate", "5"),
                Map.entry("presence.limits.attribute-burst", "7"),
                Map.entry("presence.ws.queue-capacity", "64"),
                Map.entry("presence.ws.max-frame-bytes", "4096"),
                Map.entry("presence.http.max-body-bytes", "2048"),
                Map.entry("presence.sse.queue-capacity", "32"),
                Map.entry("presence.hooks.queue-capacity", "5")));
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.grace()).isZero();
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.store()).contains("memory");
    assertThat(c.devMode()).isTrue();
    assertThat(c.issuer()).contains("https://issuer");
    assertThat(c.audience()).contains("presence");
    assertThat(c.limits())
        .isEqualTo(new PresenceLimits(100, 50, 8, 16, 256, 2048, 20, 4, 1000, 5, 7));
    assertThat(c.wsQueueCapacity()).isEqualTo(64);
    assertThat(c.maxFrameBytes()).isEqualTo(4096);
    assertThat(c.maxBodyBytes()).isEqualTo(2048);
    assertThat(c.sseQueueCapacity()).isEqualTo(32);
    assertThat(c.hookQueueCapacity()).isEqualTo(5);
  }

  @Test
  void badValuesFailWithTheKeyNamed() {
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.timeout", "soon")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.timeout")
        .hasMessageContaining("'soon'");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.grace", "10")))
        .hasMessageContaining("presence.grace");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.auth.mode", "none")))
        .hasMessageContaining("presence.auth.mode")
        .hasMessageContaining("jwt or dev");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.limits.attribute-keys", "many")))
        .hasMessageContaining("presence.limits.attribute-keys");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.limits.user-id-length", "2000")))
        .hasMessageContaining("presence.limits.user-id-length")
        .hasMessageContaining("1 to 1024");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.testing.short-timeouts", "yes")))
        .hasMessageContaining("presence.testing.short-timeouts");
  }

  @Test
  void largeChannelKeys() {
    PresenceConfig d = PresenceConfig.of(Map.of());
    assertThat(d.announceMax()).isEqualTo(100);
    assertThat(d.channelInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.snapshotPage()).isEqualTo(1000);
    PresenceConfig c =
        PresenceConfig.of(
            Map.of(
                "presence.channels.announce-max", "0",
                "presence.channels.interval", "60s",
                "presence.ws.snapshot-page", "1"));
    assertThat(c.announceMax()).isZero();
    assertThat(c.channelInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.snapshotPage()).isEqualTo(1);
    for (String bad : new String[] {"999ms", "61s", "0s", "-1s", "5", "soon"}) {
      assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.channels.interval", bad)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.channels.interval");
    }
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.channels.interval", "0.5s")))
        .hasMessageContaining("presence.channels.interval");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.channels.interval", "2s0")))
        .hasMessageContaining("presence.channels.interval");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.channels.interval", "90s")))
        .hasMessageContaining("1s to 1m");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.channels.announce-max", "-1")))
        .hasMessageContaining("presence.channels.announce-max");
    assertThatThrownBy(
            () -> PresenceConfig.of(Map.of("presence.channels.announce-max", "9".repeat(1000))))
        .hasMessageContaining("presence.channels.announce-max");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.ws.snapshot-page", "0")))
        .hasMessageContaining("presence.ws.snapshot-page");
  }

  @Test
  void rangesOfTheSpecificationAreEnforced() {
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.timeout", "9s")))
        .hasMessageContaining("presence.timeout")
        .hasMessageContaining("10s to 10m")
        .hasMessageContaining("presence.testing.short-timeouts");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.timeout", "601s")))
        .hasMessageContaining("presence.timeout");
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.grace", "121s")))
        .hasMessageContaining("presence.grace");
    assertThat(PresenceConfig.of(Map.of("presence.timeout", "10s")).timeout())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(PresenceConfig.of(Map.of("presence.timeout", "10m")).timeout())
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(PresenceConfig.of(Map.of("presence.grace", "2m")).grace())
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void shortTimeoutsAreAllowedOnlyForTests() {
    PresenceConfig c =
        PresenceConfig.of(
            Map.of("presence.testing.short-timeouts", "true", "presence.timeout", "1s"));
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.shortTimeouts()).isTrue();
    assertThatThrownBy(
            () ->
                PresenceConfig.of(
                    Map.of("presence.testing.short-timeouts", "true", "presence.timeout", "500ms")))
        .hasMessageContaining("1s to 10m");
  }

  @Test
  void cacheTtlZeroDisablesAndIsBounded() {
    assertThat(PresenceConfig.of(Map.of("presence.query.cache-ttl", "0")).cacheTtl()).isZero();
    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.query.cache-ttl", "2m")))
        .hasMessageContaining("presence.query.cache-ttl");
  }

  @Test
  void rawKeysPassThrough() {
    PresenceConfig c = PresenceConfig.of(Map.of("presence.hazelcast.members", "a:1,b:2"));
    assertThat(c.get("presence.hazelcast.members")).contains("a:1,b:2");
    assertThat(c.get("presence.hazelcast.cluster-name")).isEmpty();
  }

  @Test
  void describeMasksTheSecret() {
    PresenceConfig c =
        PresenceConfig.of(Map.of("presence.auth.hmac-secret", "0123456789abcdef0123456789abcdef"));
    List<String> lines = c.describe();
    assertThat(lines).hasSize(ConfigKey.values().length);
    assertThat(String.join("\n", lines))
        .contains("presence.timeout=60s (default)")
        .contains("presence.auth.hmac-secret=(set, 32 characters)")
        .doesNotContain("0123456789abcdef");
  }

  @Test
  void environmentVariablesUseUpperCaseUnderscoreNames() {
    ConfigLookup env =
        ConfigLookup.environment(
            Map.of("PRESENCE_TIMEOUT", "20s", "PRESENCE_QUERY_CACHE_TTL", "1s", "BLANK", " "));
    assertThat(env.value("presence.timeout")).contains("20s");
    assertThat(env.value("presence.query.cache-ttl")).contains("1s");
    assertThat(env.value("presence.grace")).isEmpty();
    assertThat(env.value("blank")).isEmpty();
    assertThat(ConfigKey.TIMEOUT.environmentVariable()).isEqualTo("PRESENCE_TIMEOUT");
    assertThat(ConfigKey.LIMITS_USERS_PER_CHANNEL.environmentVariable())
        .isEqualTo("PRESENCE_LIMITS_USERS_PER_CHANNEL");
  }

  @Test
  void earlierSourcesWin() {
    ConfigLookup chain =
        ConfigLookup.chain(
            List.of(
                ConfigLookup.of(Map.of("presence.timeout", "20s")),
                ConfigLookup.of(Map.of("presence.timeout", "30s", "presence.grace", "1s"))));
    PresenceConfig c = new PresenceConfig(chain);
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.grace()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void systemPropertiesAreRead() {
    String key = "presence.test.only." + System.nanoTime();
    System.setProperty(key, "value");
    try {
      assertThat(ConfigLookup.systemProperties().value(key)).contains("value");
      assertThat(ConfigLookup.standard().value(key)).contains("value");
    } finally {
      System.clearProperty(key);
    }
  }

  @Test
  void everyPresenceLimitsComponentHasAKey() {
    long limitKeys =
        java.util.Arrays.stream(ConfigKey.values())
            .filter(k -> k.key().startsWith("presence.limits."))
            // channels-per-user is a limit of the engine's REST sessions, not of PresenceLimits
            .filter(k -> k != ConfigKey.LIMITS_CHANNELS_PER_USER)
            .count();
    assertThat(limitKeys).isEqualTo(PresenceLimits.class.getRecordComponents().length);
  }

  @Test
  void readmesListEveryKey() throws IOException {
    for (String path : new String[] {"README.md", "../README.md"}) {
      String readme = Files.readString(Path.of(path), StandardCharsets.UTF_8);
      assertThat(readme)
          .as(path + " (from presence-web) must contain ConfigKey.markdownTable() verbatim")
          .contains(ConfigKey.markdownTable());
    }
  }
}
