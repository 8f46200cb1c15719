package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ErrorServletTest {

  /** The parts of an error dispatch the servlet reads and writes. */
  private static final class Exchange {
    final Map<String, Object> attributes = new HashMap<>();
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    String method = "GET";
    int status = 200;
    @Nullable String contentType;
    boolean committed;

    HttpServletRequest request() {
      return (HttpServletRequest)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {HttpServletRequest.class},
              (proxy, m, args) ->
                  switch (m.getName()) {
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "getMethod" -> method;
                    default -> throw new UnsupportedOperationException(m.getName());
                  });
    }

    HttpServletResponse response() {
      ServletOutputStream out =
          new ServletOutputStream() {
            @Override
            public boolean isReady() {
              return true;
            }

            @Override
            public void setWriteListener(WriteListener l) {
              throw new UnsupportedOperationException();
            }

            @Override
            public void write(int b) {
              body.write(b);
            }
          };
      return (HttpServletResponse)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {HttpServletResponse.class},
              (proxy, m, args) ->
                  switch (m.getName()) {
                    case "getHeader" -> headers.get((String) args[0]);
                    case "setHeader" -> {
                      headers.put((String) args[0], (String) args[1]);
                      yield null;
                    }
                    case "setStatus" -> {
                      status = (Integer) args[0];
                      yield null;
                    }
                    case "setContentType" -> {
                      contentType = (String) args[0];
                      yield null;
                    }
                    case "isCommitted" -> committed;
                    case "getOutputStream" -> out;
                    case "resetBuffer", "setCharacterEncoding", "setContentLength" -> null;
                    default -> throw new UnsupportedOperationException(m.getName());
                  });
    }

    Exchange run() throws Exception {
      new ErrorServlet().service(request(), response());
      return this;
    }

    JsonObject json() {
      return Json.createReader(
              new StringReader(new String(body.toByteArray(), StandardCharsets.UTF_8)))
          .readObject();
    }
  }

  private static Exchange status(int status) {
    Exchange x = new Exchange();
    x.attributes.put(RequestDispatcher.ERROR_STATUS_CODE, status);
    return x;
  }

  @Test
  @DisplayName("a container 404 becomes 404 INVALID_ARGUMENT with the JSON body")
  void notFound() throws Exception {
    Exchange x = status(404).run();
    assertThat(x.status).isEqualTo(404);
    assertThat(x.contentType).isEqualTo("application/json");
    assertThat(x.headers).containsEntry("Cache-Control", "no-store");
    assertThat(x.json().getJsonObject("error").getString("code")).isEqualTo("INVALID_ARGUMENT");
    assertThat(x.json().getJsonObject("error").getString("message")).isNotBlank();
  }

  @Test
  @DisplayName("a container 400 keeps its status with code INVALID_ARGUMENT")
  void badRequest() throws Exception {
    Exchange x = status(400).run();
    assertThat(x.status).isEqualTo(400);
    assertThat(x.json().getJsonObject("error").getString("code")).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  @DisplayName("a 405 keeps the Allow header the container set and names it in the message")
  void methodNotAllowed() throws Exception {
    Exchange x = status(405);
    x.headers.put("Allow", "GET, HEAD");
    x.run();
    assertThat(x.status).isEqualTo(405);
    assertThat(x.headers).containsEntry("Allow", "GET, HEAD");
    assertThat(x.json().getJsonObject("error").getString("message")).contains("GET, HEAD");
  }

  @Test
  @DisplayName("401, 413 and 503 use the codes of the specification's table")
  void tableCodes() throws Exception {
    assertThat(status(401).run().json().getJsonObject("error").getString("code"))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(status(401).run().headers).containsEntry("WWW-Authenticate", "Bearer");
    assertThat(status(413).run().json().getJsonObject("error").getString("code"))
        .isEqualTo("TOO_LARGE");
    assertThat(status(503).run().json().getJsonObject("error").getString("code"))
        .isEqualTo("UNAVAILABLE");
  }

  @Test
  @DisplayName("an exception is 500 INTERNAL with a fixed message: no class name or trace")
  void exception() throws Exception {
    Exchange x = status(500);
    x.attributes.put(
        RequestDispatcher.ERROR_EXCEPTION, new IllegalStateException("secret internal detail"));
    x.run();
    assertThat(x.status).isEqualTo(500);
    String body = x.body.toString(StandardCharsets.UTF_8);
    assertThat(x.json().getJsonObject("error").getString("code")).isEqualTo("INTERNAL");
    assertThat(body).doesNotContain("IllegalStateException", "secret", "at dev.presence");
  }

  @Test
  @DisplayName("a method that is not an HTTP token is the client's fault: 400, not 500")
  void badMethod() throws Exception {
    Exchange x = status(500);
    x.method = "G(T";
    x.run();
    assertThat(x.status).isEqualTo(400);
    assertThat(x.json().getJsonObject("error").getString("code")).isEqualTo("INVALID_ARGUMENT");
    assertThat(ErrorServlet.isToken("PATCH")).isTrue();
    assertThat(ErrorServlet.isToken("")).isFalse();
    assertThat(ErrorServlet.isToken("GE T")).isFalse();
  }

  @Test
  @DisplayName("requested directly, without error attributes, the path is a 404")
  void direct() throws Exception {
    Exchange x = new Exchange().run();
    assertThat(x.status).isEqualTo(404);
    assertThat(x.json().getJsonObject("error").getString("code")).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  @DisplayName("a HEAD request gets the status and headers without a body")
  void head() throws Exception {
    Exchange x = status(404);
    x.method = "HEAD";
    x.run();
    assertThat(x.status).isEqualTo(404);
    assertThat(x.contentType).isEqualTo("application/json");
    assertThat(x.body.size()).isZero();
  }

  @Test
  @DisplayName("a response already committed is left alone")
  void committed() throws Exception {
    Exchange x = status(404);
    x.committed = true;
    x.run();
    assertThat(x.status).isEqualTo(200);
    assertThat(x.body.size()).isZero();
  }
}
