package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ResponseHeadersFilterTest {

  /** The parts of a response the filter reads and writes. */
  private static final class Response {
    int status = 200;
    @Nullable Object entity;
    @Nullable MediaType type;
    final MultivaluedMap<String, Object> headers = new MultivaluedHashMap<>();

    ContainerResponseContext context() {
      return (ContainerResponseContext)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {ContainerResponseContext.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "getEntity" -> entity;
                    case "getEntityAnnotations" -> new Annotation[0];
                    case "getHeaders" -> headers;
                    case "getStatus" -> status;
                    case "setStatus" -> {
                      status = (Integer) args[0];
                      yield null;
                    }
                    case "setEntity" -> {
                      entity = args[0];
                      type = (MediaType) args[2];
                      yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                  });
    }
  }

  @Test
  @DisplayName("a body that cannot be encoded as UTF-8 becomes 500 INTERNAL, never '?'")
  void unencodableBody() {
    Response r = new Response();
    r.entity = "{\"mood\":\"\uD800\"}";
    r.headers.putSingle("Cache-Control", "max-age=3");

    assertThat(ResponseHeadersFilter.refuseUnencodable(r.context())).isTrue();

    assertThat(r.status).isEqualTo(500);
    assertThat(r.type).isEqualTo(MediaType.APPLICATION_JSON_TYPE);
    JsonObject error = dev.presence.web.json.PresenceJson.readObject((String) r.entity);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("INTERNAL");
    assertThat(r.headers.getFirst("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  @DisplayName("valid text, surrogate pairs included, and other entities are left alone")
  void validBodies() {
    Response text = new Response();
    text.entity = "{\"mood\":\"\uD83D\uDE00\"}";
    Response other = new Response();
    other.entity = new byte[] {(byte) 0xff};

    assertThat(ResponseHeadersFilter.refuseUnencodable(text.context())).isFalse();
    assertThat(ResponseHeadersFilter.refuseUnencodable(other.context())).isFalse();
    assertThat(ResponseHeadersFilter.refuseUnencodable(new Response().context())).isFalse();
    assertThat(text.status).isEqualTo(200);
    assertThat(text.entity).isEqualTo("{\"mood\":\"\uD83D\uDE00\"}");
  }
}
