package dev.presence.spi;

import dev.presence.UserId;
import java.util.Set;

/**
 * The authenticated caller of a request.
 *
 * @param userId the user, from the verified token's {@code sub}
 * @param roles the roles from the token's {@code groups} or {@code roles} claim; immutable
 * @since 0.1
 */
public record Caller(UserId userId, Set<String> roles) {

  /** The role that may act for any user. */
  public static final String ADMIN_ROLE = "presence-admin";

  /**
   * Copies the roles.
   *
   * @param userId the user, from the verified token's {@code sub}
   * @param roles the roles from the token's {@code groups} or {@code roles} claim; immutable
   */
  public Caller {
    roles = Set.copyOf(roles);
  }

  /**
   * Whether the caller has the admin role.
   *
   * @return true for {@value #ADMIN_ROLE}
   */
  public boolean isAdmin() {
    return roles.contains(ADMIN_ROLE);
  }
}
