package dev.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PageRequestTest {

  @Test
  @DisplayName("FIRST is the first page of 1000 users with attributes")
  void first() {
    assertThat(PageRequest.FIRST).isEqualTo(new PageRequest(1000, null, true));
    assertThat(PageRequest.MAX_LIMIT).isEqualTo(1000);
  }

  @ParameterizedTest(name = "accepts limit {0}")
  @ValueSource(ints = {1, 2, 999, 1000})
  void validLimits(int limit) {
    assertThat(new PageRequest(limit, null, false).limit()).isEqualTo(limit);
  }

  @ParameterizedTest(name = "refuses limit {0}")
  @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1001, Integer.MAX_VALUE})
  void invalidLimits(int limit) {
    assertThatThrownBy(() -> new PageRequest(limit, null, true))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("limit must be between 1 and 1000");
  }

  @Test
  @DisplayName("a cursor is 1 to 1024 characters")
  void cursorLength() {
    assertThat(new PageRequest(10, "c", true).cursor()).isEqualTo("c");
    assertThat(new PageRequest(10, "c".repeat(1024), true).cursor()).hasSize(1024);
    assertThatThrownBy(() -> new PageRequest(10, "", true))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("cursor");
    assertThatThrownBy(() -> new PageRequest(10, "c".repeat(1025), true))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @ParameterizedTest(name = "refuses a cursor that is not valid Unicode: #{index}")
  @ValueSource(strings = {"\uD800", "abc\uDC00", "abc\uD83D", "\uDE00\uD83Dxyz"})
  void cursorNotUnicode(String cursor) {
    assertThatThrownBy(() -> new PageRequest(10, cursor, true))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("the cursor is not valid Unicode text");
    assertThat(new PageRequest(10, "abc\uD83D\uDE00", true).cursor()).endsWith("\uDE00");
  }

  @Test
  @DisplayName("ChannelUsers copies its list of users")
  void channelUsersCopies() {
    List<PresentUser> users = new ArrayList<>();
    users.add(new PresentUser(UserId.of("u1"), Attributes.EMPTY));

    ChannelUsers page = new ChannelUsers(ChannelId.of("c"), 1, 1, users, null);
    users.clear();

    assertThat(page.users()).hasSize(1);
    assertThatThrownBy(() -> page.users().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
