package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.presence.ForbiddenException;
import dev.presence.InvalidArgumentException;
import dev.presence.UnauthenticatedException;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthenticationFilterTest {

  private static final PresenceConfig DEV = PresenceConfig.of(Map.of("presence.auth.mode", "dev"));

  /** A REST-like resource: the header only. */
  @Authenticated
  static final class HeaderOnly {
    public void get() {}
  }

  /** An SSE-like resource: the header, or else {@code ?access_token=}. */
  @Authenticated(queryToken = true)
  static final class QueryToo {
    public void get() {}
  }

  /** A resource whose method says more than its class. */
  @Authenticated
  static final class MethodQueryToken {
    @Authenticated(queryToken = true)
    public void get() {}
  }

  private final MultivaluedMap<String, String> headers = new MultivaluedHashMap<>();
  private final MultivaluedMap<String, String> query = new MultivaluedHashMap<>();
  private AuthenticationFilter filter;
  private ApiRequest request;

  @BeforeEach
  void setUp() {
    request = new ApiRequest();
    request.config = DEV;
    request.access = new AccessControl(List.of());
    filter = new AuthenticationFilter();
    filter.verifier = new TokenVerifier(DEV, InstantSource.system());
    filter.request = request;
  }

  @Test
  @DisplayName(
      "the caller of a valid bearer token (the first header, as for @HeaderParam) reaches"
          + " the resource through ApiRequest")
  void bearerToken() throws Exception {
    headers.add("Authorization", "Bearer " + none("alice"));
    headers.add("Authorization", "Bearer " + none("bob"));
    filter.resourceInfo = resource(HeaderOnly.class);

    filter.filter(context());

    assertThat(request.caller().userId().value()).isEqualTo("alice");
  }

  @Test
  @DisplayName("without a token the filter refuses with UNAUTHENTICATED and no caller is set")
  void noToken() throws Exception {
    filter.resourceInfo = resource(HeaderOnly.class);

    assertThatThrownBy(() -> filter.filter(context())).isInstanceOf(UnauthenticatedException.class);
    assertThatThrownBy(request::caller).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("another scheme than Bearer is refused, as before")
  void otherScheme() throws Exception {
    headers.add("Authorization", "Basic YWxpY2U6c2VjcmV0");
    filter.resourceInfo = resource(HeaderOnly.class);

    assertThatThrownBy(() -> filter.filter(context())).isInstanceOf(UnauthenticatedException.class);
  }

  @Test
  @DisplayName("?access_token= counts only where the resource allows it, and never over the header")
  void queryToken() throws Exception {
    query.add("access_token", none("bob"));

    filter.resourceInfo = resource(HeaderOnly.class);
    assertThatThrownBy(() -> filter.filter(context())).isInstanceOf(UnauthenticatedException.class);

    filter.resourceInfo = resource(QueryToo.class);
    filter.filter(context());
    assertThat(request.caller().userId().value()).isEqualTo("bob");

    headers.add("Authorization", "Bearer " + none("alice"));
    filter.filter(context());
    assertThat(request.caller().userId().value()).isEqualTo("alice");
  }

  @Test
  @DisplayName("a method's @Authenticated wins over its class's")
  void methodAnnotation() throws Exception {
    assertThat(AuthenticationFilter.queryToken(resource(MethodQueryToken.class))).isTrue();
    assertThat(AuthenticationFilter.queryToken(resource(HeaderOnly.class))).isFalse();
    assertThat(AuthenticationFilter.queryToken(resource(QueryToo.class))).isTrue();
    assertThat(AuthenticationFilter.queryToken(null)).isFalse();
  }

  @Test
  @DisplayName("ApiRequest checks ids against the limits and authorizes the verified caller")
  void apiRequest() {
    request.access =
        new AccessControl(
            List.of(
                r ->
                    r.action() == Action.OBSERVE
                        ? AuthorizationDecision.deny("no observing")
                        : AuthorizationDecision.allow()));
    request.authenticated(new TokenVerifier(DEV, InstantSource.system()).verify(none("alice")));

    assertThat(request.channel("room:1").value()).isEqualTo("room:1");
    assertThatThrownBy(() -> request.channel("c".repeat(201)))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> request.user("u".repeat(129)))
        .isInstanceOf(InvalidArgumentException.class);

    request.authorize(Action.READ, request.channel("room"), null);
    assertThatThrownBy(() -> request.authorize(Action.OBSERVE, request.channel("room"), null))
        .isInstanceOf(ForbiddenException.class)
        .hasMessage("no observing");
    request.authorizeSelf(UserId.of("alice"));
    assertThatThrownBy(() -> request.authorizeSelf(UserId.of("bob")))
        .isInstanceOf(ForbiddenException.class);
  }

  private ContainerRequestContext context() {
    UriInfo uri = stub(UriInfo.class, Map.of("getQueryParameters", query));
    return stub(ContainerRequestContext.class, Map.of("getHeaders", headers, "getUriInfo", uri));
  }

  /** An object of an interface that answers the methods named, and only those. */
  private static <T> T stub(Class<T> type, Map<String, Object> answers) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              Object answer = answers.get(method.getName());
              if (answer == null) {
                throw new UnsupportedOperationException(method.getName());
              }
              return answer;
            }));
  }

  private static ResourceInfo resource(Class<?> type) throws NoSuchMethodException {
    Method get = type.getMethod("get");
    return new ResourceInfo() {
      @Override
      public @Nullable Method getResourceMethod() {
        return get;
      }

      @Override
      public @Nullable Class<?> getResourceClass() {
        return type;
      }
    };
  }

  /** An unsigned token ({@code alg: none}), which development mode accepts. */
  private static String none(String sub) {
    return new PlainJWT(new JWTClaimsSet.Builder().subject(sub).build()).serialize();
  }
}
