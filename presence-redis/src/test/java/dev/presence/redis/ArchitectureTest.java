package dev.presence.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The layering of the Redis backend, checked on its main classes. */
@AnalyzeClasses(
    packages = "dev.presence.redis",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noJakartaNoHazelcastNoServer =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "jakarta..", "com.hazelcast..", "dev.presence.hazelcast..", "dev.presence.web..")
          .because("the backend depends only on presence-api, presence-spi and Lettuce");

  @ArchTest
  static final ArchRule publicPackageHidesLettuce =
      noClasses()
          .that()
          .resideInAPackage("dev.presence.redis")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.lettuce..", "io.netty..", "reactor..")
          .because("no Lettuce type crosses the public package (unwrap gives the client)");
}
