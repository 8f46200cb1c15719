package dev.presence.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EventKindTest {

  @Test
  @DisplayName("the wire names are those of the seed SDK")
  void wireNames() {
    assertThat(EventKind.values())
        .extracting(EventKind::wireName)
        .containsExactly("join", "leave", "timeout", "attributesUpdate");
  }

  @ParameterizedTest(name = "{0} round-trips through its wire name")
  @EnumSource(EventKind.class)
  void roundTrip(EventKind kind) {
    assertThat(EventKind.ofWireName(kind.wireName())).isSameAs(kind);
  }

  @Test
  @DisplayName("an unknown or differently cased name is refused")
  void unknown() {
    assertThatThrownBy(() -> EventKind.ofWireName("JOIN"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JOIN");
    assertThatThrownBy(() -> EventKind.ofWireName("attributes_update"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
