package dev.presence.web.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("OpenApiFallback: /openapi from the WAR where the server has no MicroProfile OpenAPI")
class OpenApiFallbackTest {

  @Test
  @DisplayName("the document is in the WAR's classes")
  void documentIsFound() {
    byte[] document = OpenApiFallback.read(OpenApiFallbackTest.class.getClassLoader());
    assertThat(document).isNotNull();
    assertThat(new String(document, StandardCharsets.UTF_8)).startsWith("openapi: 3.");
  }

  @Test
  @DisplayName(
      "without the MicroProfile OpenAPI API (as here) the WAR serves; no document, nothing")
  void detection() {
    assertThat(OpenApiFallback.serverHasOpenApi(OpenApiFallbackTest.class.getClassLoader()))
        .isFalse();
    assertThat(OpenApiFallback.read(new URLClassLoader(new URL[0], null))).isNull();
  }
}
