package dev.presence.it.support;

/**
 * The server the black-box ITs run against: Payara Micro (the default run), WildFly (profile {@code
 * wildfly}, which sets {@code arquillian.launch=wildfly}) or GlassFish (profile {@code glassfish},
 * {@code arquillian.launch=glassfish}).
 *
 * <p>The one seam for assertions about what the server itself answers, before or around the
 * application, where servers differ and the WAR cannot change it (README "Other servers" lists each
 * difference): everything the application answers is asserted the same on every server. GlassFish
 * shares Grizzly and Tyrus with Payara, and every answer of its own measured so far is Payara's, so
 * the tests compare with {@link #WILDFLY} only.
 */
public enum ServerUnderTest {
  PAYARA,
  WILDFLY,
  GLASSFISH;

  /** The server of this run. */
  public static ServerUnderTest current() {
    String launch = System.getProperty("arquillian.launch");
    if ("wildfly".equals(launch)) {
      return WILDFLY;
    }
    return "glassfish".equals(launch) ? GLASSFISH : PAYARA;
  }
}
