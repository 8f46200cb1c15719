package dev.presence.web.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.ChannelId;
import dev.presence.ForbiddenException;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.spi.AuthorizationRequest;
import dev.presence.spi.Caller;
import dev.presence.spi.PresenceAuthorizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessControlTest {

  static final Caller ALICE = new Caller(UserId.of("alice"), Set.of());
  static final Caller ADMIN = new Caller(UserId.of("root"), Set.of(Caller.ADMIN_ROLE));
  static final UserId BOB = UserId.of("bob");
  static final ChannelId ROOM = ChannelId.of("room");

  @Test
  void usersActOnlyAsThemselvesUnlessAdmin() {
    AccessControl access = new AccessControl(List.of());
    assertThatCode(() -> access.check(ALICE, Action.JOIN, ROOM, ALICE.userId()))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> access.check(ALICE, Action.JOIN, ROOM, BOB))
        .isInstanceOf(ForbiddenException.class)
        .hasMessageContaining("presence-admin");
    assertThatThrownBy(() -> access.check(ALICE, Action.SET_ATTRIBUTES, ROOM, BOB))
        .isInstanceOf(ForbiddenException.class);
    assertThatThrownBy(() -> access.checkSelf(ALICE, BOB)).isInstanceOf(ForbiddenException.class);
    assertThatCode(() -> access.check(ADMIN, Action.JOIN, ROOM, BOB)).doesNotThrowAnyException();
    assertThatCode(() -> access.checkSelf(ADMIN, BOB)).doesNotThrowAnyException();
  }

  @Test
  void administrationNeedsTheRoleWhateverTheAuthorizersSay() {
    PresenceAuthorizer allowAll = r -> AuthorizationDecision.allow();
    AccessControl access = new AccessControl(List.of(allowAll));
    assertThatCode(() -> access.checkAdmin(ADMIN)).doesNotThrowAnyException();
    assertThatThrownBy(() -> access.checkAdmin(ALICE))
        .isInstanceOf(ForbiddenException.class)
        .hasMessage("this operation needs the presence-admin role");
    Caller other = new Caller(UserId.of("x"), Set.of("Presence-Admin", "admin"));
    assertThatThrownBy(() -> access.checkAdmin(other)).isInstanceOf(ForbiddenException.class);
  }

  @Test
  void anyoneMayReadAndObserve() {
    AccessControl access = new AccessControl(List.of());
    assertThatCode(() -> access.check(ALICE, Action.READ, ROOM, BOB)).doesNotThrowAnyException();
    assertThatCode(() -> access.check(ALICE, Action.READ, null, BOB)).doesNotThrowAnyException();
    assertThatCode(() -> access.check(ALICE, Action.OBSERVE, ROOM, null))
        .doesNotThrowAnyException();
  }

  @Test
  void everyAuthorizerIsAskedAndAllMustAllow() {
    List<AuthorizationRequest> seen = new ArrayList<>();
    PresenceAuthorizer recorder =
        r -> {
          seen.add(r);
          return AuthorizationDecision.allow();
        };
    PresenceAuthorizer noObserving =
        r ->
            r.action() == Action.OBSERVE
                ? AuthorizationDecision.deny("observing room is for members only")
                : AuthorizationDecision.allow();
    AccessControl access = new AccessControl(List.of(recorder, noObserving));
    access.check(ALICE, Action.READ, ROOM, null);
    assertThat(seen).containsExactly(new AuthorizationRequest(ALICE, Action.READ, ROOM, null));
    assertThatThrownBy(() -> access.check(ALICE, Action.OBSERVE, ROOM, null))
        .isInstanceOf(ForbiddenException.class)
        .hasMessage("observing room is for members only");
  }

  @Test
  void authorizersAreNotAskedWhenTheBuiltInRuleRefuses() {
    List<AuthorizationRequest> seen = new ArrayList<>();
    AccessControl access =
        new AccessControl(
            List.of(
                r -> {
                  seen.add(r);
                  return AuthorizationDecision.allow();
                }));
    assertThatThrownBy(() -> access.check(ALICE, Action.JOIN, ROOM, BOB))
        .isInstanceOf(ForbiddenException.class);
    assertThat(seen).isEmpty();
  }

  @Test
  void aFailingAuthorizerDeniesWithAGenericReason() {
    PresenceAuthorizer broken =
        r -> {
          throw new IllegalStateException("database password is hunter2");
        };
    AccessControl access = new AccessControl(List.of(broken));
    assertThatThrownBy(() -> access.check(ALICE, Action.READ, ROOM, null))
        .isInstanceOf(ForbiddenException.class)
        .hasMessage(AccessControl.GENERIC_REASON)
        .hasNoCause();
    PresenceAuthorizer answersNull = r -> null;
    assertThatThrownBy(
            () -> new AccessControl(List.of(answersNull)).check(ALICE, Action.READ, ROOM, null))
        .hasMessage(AccessControl.GENERIC_REASON);
  }
}
