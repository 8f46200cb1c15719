package dev.presence.it.support;

/**
 * The server the black-box ITs run against: Payara Micro (the default run) or WildFly (profile
 * {@code wildfly}, which sets {@code arquillian.launch=wildfly}).
 *
 * <p>The one seam for assertions about what the server itself answers, before or around the
 * application, where servers differ and the WAR cannot change it (README "Other servers" lists each
 * difference): everything the application answers is asserted the same on every server.
 */
public enum ServerUnderTest {
  PAYARA,
  WILDFLY;

  /** The server of this run. */
  public static ServerUnderTest current() {
    return "wildfly".equals(System.getProperty("arquillian.launch")) ? WILDFLY : PAYARA;
  }
}
