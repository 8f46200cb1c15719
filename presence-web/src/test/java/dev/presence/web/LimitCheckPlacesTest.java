package dev.presence.web;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.presence.PresenceLimits;
import dev.presence.PresenceService;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.engine.LimitChecks;
import dev.presence.web.http.Requests;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Each limit checked once per request, by construction (see presence-web/README.md, "Limits: each
 * checked once"): the limit checks of ids and attributes are made in three places only, and the
 * front ends, which check ids before they authorize, call the engine only through its prechecked
 * path, which does not check them again. {@code LimitChecksTest} and {@code
 * ConnectionLimitChecksTest} count the checks each call makes.
 */
@AnalyzeClasses(
    packages = "dev.presence.web",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class LimitCheckPlacesTest {

  private static final Set<String> SERVICE_OPERATIONS =
      Arrays.stream(PresenceService.class.getMethods())
          .map(Method::getName)
          .filter(name -> !name.equals("limits"))
          .collect(Collectors.toUnmodifiableSet());

  private static final DescribedPredicate<JavaMethodCall> A_LIMIT_CHECK =
      new DescribedPredicate<>("PresenceLimits.check") {
        @Override
        public boolean test(JavaMethodCall call) {
          return call.getTargetOwner().isEquivalentTo(PresenceLimits.class)
              && call.getName().equals("check");
        }
      };

  private static final DescribedPredicate<JavaMethodCall> A_CHECKED_SERVICE_OPERATION =
      new DescribedPredicate<>("an operation of PresenceService (which checks the ids again)") {
        @Override
        public boolean test(JavaMethodCall call) {
          return call.getTargetOwner().isAssignableTo(PresenceService.class)
              && SERVICE_OPERATIONS.contains(call.getName());
        }
      };

  @ArchTest
  static final ArchRule limits_are_checked_in_three_places =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.web..")
          .and()
          .doNotBelongToAnyOf(LimitChecks.class, Requests.class, TokenVerifier.class)
          .should()
          .callMethodWhere(A_LIMIT_CHECK)
          .because(
              "ids and attributes meet the limits in LimitChecks (engine, WebSocket), Requests (REST"
                  + " and SSE path ids) and TokenVerifier (a token's subject), once per request");

  @ArchTest
  static final ArchRule front_ends_call_the_prechecked_engine =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.presence.web.rest..", "dev.presence.web.sse..", "dev.presence.web.websocket..")
          .should()
          .callMethodWhere(A_CHECKED_SERVICE_OPERATION)
          .because(
              "the front ends check ids before they authorize (400 before 403) and then call"
                  + " PrecheckedPresence, so that no id is checked twice in one request");
}
