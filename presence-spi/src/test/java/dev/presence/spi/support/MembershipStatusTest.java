package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The codes of {@link MembershipStatus}, which byte forms carry between nodes of any version. */
class MembershipStatusTest {

  @Test
  @DisplayName("the codes are fixed: OK 0, FULL 1, NOT_JOINED 2")
  void codesAreFixed() {
    assertThat(MembershipStatus.OK.code()).isZero();
    assertThat(MembershipStatus.FULL.code()).isEqualTo(1);
    assertThat(MembershipStatus.NOT_JOINED.code()).isEqualTo(2);
  }

  @Test
  @DisplayName("every status reads back from its code; an unknown code is an error")
  void readsBack() {
    for (MembershipStatus s : MembershipStatus.values()) {
      assertThat(MembershipStatus.ofCode(s.code())).isSameAs(s);
    }
    assertThatThrownBy(() -> MembershipStatus.ofCode(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unknown status 3");
  }
}
