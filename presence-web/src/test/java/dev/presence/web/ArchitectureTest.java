package dev.presence.web;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaStaticInitializer;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.presence.web.http.Authenticated;
import jakarta.ws.rs.Path;

/**
 * Keeps the layering true. Imports the production classes of every module on this module's test
 * class path: presence-api, presence-spi, presence-hazelcast and presence-web itself (test classes
 * and test jars such as the SPI contract kit are left out).
 */
@AnalyzeClasses(
    packages = "dev.presence",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {

  /** Leaves out test jars (e.g. presence-spi-*-tests.jar), which DoNotIncludeTests keeps. */
  static final class NoTestJars implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("-tests.jar");
    }
  }

  /**
   * Every static factory of {@link jakarta.json.Json} looks the JSON-P provider up ({@code
   * JsonProvider.provider()}: a {@code ServiceLoader} pass, on Payara through the WAR's class
   * loader and its jars). Once per class, in a static initializer, is fine; per message or request
   * it is a cost any client can multiply (an unreadable WebSocket frame built its error reply this
   * way).
   */
  @ArchTest
  static final ArchRule json_provider_is_looked_up_once_per_class =
      noClasses()
          .should()
          .callMethodWhere(
              new DescribedPredicate<JavaMethodCall>(
                  "a method of jakarta.json.Json outside a static initializer") {
                @Override
                public boolean test(JavaMethodCall call) {
                  return call.getTargetOwner().isEquivalentTo(jakarta.json.Json.class)
                      && !call.getOrigin()
                          .getName()
                          .equals(JavaStaticInitializer.STATIC_INITIALIZER_NAME);
                }
              })
          .because(
              "Json's factories look the JSON-P provider up at every call; use PresenceJson's"
                  + " shared provider and factories")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule api_spi_and_engine_are_plain_java =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.presence",
              "dev.presence.event..",
              "dev.presence.spi..",
              "dev.presence.web.engine..",
              "dev.presence.web.delivery..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("jakarta..", "javax.ws..", "javax.websocket..", "com.hazelcast..")
          .because(
              "the API, the SPI, the presence engine and outbound delivery must run without a"
                  + " container")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule delivery_does_not_depend_on_a_transport =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web.delivery..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.presence.web.websocket..", "dev.presence.web.sse..", "dev.presence.web.rest..")
          .because("WebSocket and SSE share one delivery policy, which knows neither")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule rest_does_not_depend_on_websocket =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web.rest..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.presence.web.websocket..")
          .because("REST and WebSocket are separate front ends of the engine")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule websocket_does_not_depend_on_rest =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web.websocket..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.presence.web.rest..")
          .because("REST and WebSocket are separate front ends of the engine")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule front_ends_are_independent =
      slices()
          .matching("dev.presence.web.(rest|websocket|sse)..")
          .namingSlices("front end $1")
          .should()
          .notDependOnEachOther()
          .because(
              "REST, WebSocket and Server-Sent Events are separate front ends of the engine; what"
                  + " REST and SSE share is in dev.presence.web.http")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule shared_http_plumbing_uses_no_front_end =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web.http..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.presence.web.rest..", "dev.presence.web.sse..", "dev.presence.web.websocket..")
          .because("the front ends build on the shared HTTP plumbing, not the other way round")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule websocket_does_not_use_the_http_plumbing =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web.websocket..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.presence.web.http..")
          .because("the shared HTTP plumbing is for the JAX-RS front ends, REST and SSE")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule api_resources_are_authenticated =
      classes()
          .that()
          .areAnnotatedWith(Path.class)
          .and()
          .resideInAPackage("dev.presence.web..")
          .and()
          .resideOutsideOfPackage("dev.presence.web.pubnub..")
          .should()
          .beAnnotatedWith(Authenticated.class)
          .because(
              "every /api/v1 resource needs a caller; AuthenticationFilter verifies it before the"
                  + " resource method runs (PubNub's /v2 resource verifies its auth parameter"
                  + " itself)")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule web_does_not_depend_on_hazelcast =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("com.hazelcast..", "dev.presence.hazelcast..")
          .because("the web layer reaches the backend only through the SPI")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule one_logging_api =
      noClasses()
          .should()
          .dependOnClassesThat()
          .areAssignableTo(System.Logger.class)
          .because(
              "the server logs through java.util.logging, which Payara routes to its log; one API"
                  + " means one place to configure levels and handlers")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule web_packages_are_free_of_cycles =
      slices().matching("dev.presence.web.(*)..").should().beFreeOfCycles().allowEmptyShould(true);
}
