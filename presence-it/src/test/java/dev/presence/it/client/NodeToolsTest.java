package dev.presence.it.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link NodeTools.FailureExcerpt} over the TAP that Node 20's test runner printed for a file. */
class NodeToolsTest {

  /** {@code node --test} of one suite (a pass, a failed assertion) and one test that throws. */
  private static final String TAP =
      """
      TAP version 13
      # Subtest: suite
          # Subtest: passes
          ok 1 - passes
            ---
            duration_ms: 0.598655
            ...
          # Subtest: fails
          not ok 2 - fails
            ---
            duration_ms: 1.08836
            location: '/tmp/tap/f.test.mjs:5:3'
            failureType: 'testCodeFailure'
            error: |-
              Expected values to be strictly equal:

              '1' !== '2'

            code: 'ERR_ASSERTION'
            name: 'AssertionError'
            expected: '2'
            actual: '1'
            operator: 'strictEqual'
            stack: |-
              TestContext.<anonymous> (file:///tmp/tap/f.test.mjs:5:32)
              Test.runInAsyncScope (node:async_hooks:206:9)
              Test.run (node:internal/test_runner/test:796:25)
              Suite.processPendingSubtests (node:internal/test_runner/test:526:18)
              Test.postRun (node:internal/test_runner/test:889:19)
              Test.run (node:internal/test_runner/test:835:12)
              async Promise.all (index 0)
              async Suite.run (node:internal/test_runner/test:1135:7)
              async Test.processPendingSubtests (node:internal/test_runner/test:526:7)
            ...
          1..2
      not ok 1 - suite
        ---
        duration_ms: 2.574748
        type: 'suite'
        location: '/tmp/tap/f.test.mjs:3:1'
        failureType: 'subtestsFailed'
        error: '1 subtest failed'
        code: 'ERR_TEST_FAILURE'
        ...
      # Subtest: top fails
      not ok 2 - top fails
        ---
        duration_ms: 0.092139
        location: '/tmp/tap/f.test.mjs:7:1'
        failureType: 'testCodeFailure'
        error: 'boom'
        code: 'ERR_TEST_FAILURE'
        stack: |-
          TestContext.<anonymous> (file:///tmp/tap/f.test.mjs:7:33)
          Test.runInAsyncScope (node:async_hooks:206:9)
          Test.run (node:internal/test_runner/test:796:25)
          Test.processPendingSubtests (node:internal/test_runner/test:526:18)
          Suite.postRun (node:internal/test_runner/test:889:19)
          Suite.run (node:internal/test_runner/test:1150:10)
          async Test.processPendingSubtests (node:internal/test_runner/test:526:7)
        ...
      1..2
      # tests 3
      # suites 1
      # pass 1
      # fail 2
      # cancelled 0
      # skipped 0
      # todo 0
      # duration_ms 93.426426
      """;

  private static String excerptOf(Stream<String> lines) {
    NodeTools.FailureExcerpt excerpt = new NodeTools.FailureExcerpt();
    lines.forEach(excerpt::accept);
    return excerpt.text();
  }

  @Test
  void keepsEachFailureWithItsErrorAndTheTopOfItsStack() {
    String text = excerptOf(TAP.lines());

    assertThat(text)
        .contains("    not ok 2 - fails")
        .contains("'1' !== '2'")
        .contains("      expected: '2'")
        .contains("      actual: '1'")
        .contains("(file:///tmp/tap/f.test.mjs:5:32)")
        .contains("not ok 1 - suite")
        .contains("not ok 2 - top fails")
        .contains("  error: 'boom'")
        .doesNotContain("ok 1 - passes")
        .doesNotContain("duration_ms")
        .doesNotContain("Suite.processPendingSubtests")
        .doesNotContain("# fail 2");
    assertThat(text.lines().filter(l -> l.contains("(file:///tmp/tap/")).count()).isEqualTo(2);
  }

  @Test
  void nothingWhenEveryTestPassed() {
    assertThat(excerptOf(TAP.lines().filter(l -> l.contains("ok 1 - passes") || l.startsWith("#"))))
        .isEmpty();
  }

  @Test
  void keepsAtMostMaxLines() {
    String text =
        excerptOf(
            Stream.generate(TAP::lines)
                .limit(NodeTools.FailureExcerpt.MAX_LINES)
                .flatMap(lines -> lines));
    assertThat(text.lines().count()).isEqualTo(NodeTools.FailureExcerpt.MAX_LINES);
  }
}
