package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The public package exposes no Hazelcast type; the provider is registered. */
class PublicSurfaceTest {

  private static final List<Class<?>> PUBLIC_TYPES =
      List.of(HazelcastPresenceBackendProvider.class, HazelcastConfigKeys.class);

  @Test
  @DisplayName("no com.hazelcast type appears in a public signature of dev.presence.hazelcast")
  void noHazelcastTypesInPublicSignatures() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> type : PUBLIC_TYPES) {
      for (Method m : type.getMethods()) {
        check(leaks, m.toGenericString(), m.getGenericReturnType().getTypeName());
        Arrays.stream(m.getGenericParameterTypes())
            .forEach(p -> check(leaks, m.toGenericString(), p.getTypeName()));
      }
      for (Constructor<?> c : type.getConstructors()) {
        Arrays.stream(c.getGenericParameterTypes())
            .forEach(p -> check(leaks, c.toGenericString(), p.getTypeName()));
      }
      for (Field f : type.getFields()) {
        check(leaks, f.toGenericString(), f.getGenericType().getTypeName());
      }
      assertThat(Modifier.isFinal(type.getModifiers())).as("%s is final", type).isTrue();
    }
    assertThat(leaks).isEmpty();
  }

  private static void check(List<String> leaks, String member, String typeName) {
    if (typeName.contains("com.hazelcast")) {
      leaks.add(member);
    }
  }

  @Test
  @DisplayName("the provider is registered under the name hazelcast with priority 100")
  void providerRegistered() {
    assertThat(ServiceLoader.load(dev.presence.spi.PresenceBackendProvider.class))
        .filteredOn(p -> p instanceof HazelcastPresenceBackendProvider)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("hazelcast");
              assertThat(p.priority()).isEqualTo(100);
            });
  }
}
