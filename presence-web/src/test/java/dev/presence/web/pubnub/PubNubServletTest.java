package dev.presence.web.pubnub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.web.config.PresenceConfig;
import jakarta.json.Json;
import jakarta.json.JsonObject;
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

class PubNubServletTest {

  private static final class Exchange {
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    int status;
    @Nullable String contentType;

    Exchange run(boolean enabled, String method, String servletPath, @Nullable String pathInfo)
        throws Exception {
      PubNubServlet servlet = new PubNubServlet();
      servlet.config =
          PresenceConfig.of(Map.of("presence.pubnub.enabled", Boolean.toString(enabled)));
      HttpServletRequest req =
          (HttpServletRequest)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {HttpServletRequest.class},
                  (proxy, m, args) ->
                      switch (m.getName()) {
                        case "getMethod" -> method;
                        case "getServletPath" -> servletPath;
                        case "getPathInfo" -> pathInfo;
                        default -> throw new UnsupportedOperationException(m.getName());
                      });
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
      HttpServletResponse res =
          (HttpServletResponse)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {HttpServletResponse.class},
                  (proxy, m, args) ->
                      switch (m.getName()) {
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
                        case "getOutputStream" -> out;
                        case "setCharacterEncoding", "setContentLength" -> null;
                        default -> throw new UnsupportedOperationException(m.getName());
                      });
      servlet.service(req, res);
      return this;
    }

    String text() {
      return new String(body.toByteArray(), StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return Json.createReader(new StringReader(text())).readObject();
    }
  }

  @Test
  @DisplayName("GET /time/0 answers [timetoken] as JSON, open to every origin")
  void time() throws Exception {
    Exchange x = new Exchange().run(true, "GET", "/time", "/0");
    assertThat(x.status).isEqualTo(200);
    assertThat(x.contentType).isEqualTo("application/json");
    assertThat(x.text()).matches("\\[\\d{17}\\]");
    assertThat(x.headers).containsEntry("Access-Control-Allow-Origin", "*");
  }

  @Test
  @DisplayName(
      "presence.pubnub.enabled=false: /time/0 and the refused paths are 404 in PubNub's shape")
  void disabled() throws Exception {
    for (String path : new String[] {"/time", "/publish", "/v3"}) {
      Exchange x = new Exchange().run(false, "GET", path, "/0");
      assertThat(x.status).as(path).isEqualTo(404);
      assertThat(x.json().getInt("status")).isEqualTo(404);
      assertThat(x.json().getBoolean("error")).isTrue();
    }
  }

  @Test
  @DisplayName("publish, signal and access manager are 400 'not supported' in PubNub's shape")
  void notPresence() throws Exception {
    for (String path : new String[] {"/publish", "/signal", "/v3"}) {
      Exchange x = new Exchange().run(true, "GET", path, "/pub/sub/0/c/0/%22x%22");
      assertThat(x.status).as(path).isEqualTo(400);
      assertThat(x.json().getString("message")).contains("not supported");
    }
    assertThat(new Exchange().run(true, "GET", "/time", "/1").status).isEqualTo(404);
    assertThat(new Exchange().run(true, "POST", "/time", "/0").status).isEqualTo(405);
  }
}
