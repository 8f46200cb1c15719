package dev.presence.web.http;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the resources (or resource methods) whose requests need a caller: {@link
 * AuthenticationFilter} verifies the token before the method runs and hands the caller to {@link
 * ApiRequest}. Only resource methods carry it, so the {@code OPTIONS} and error answers that JAX-RS
 * makes itself need no token.
 */
@NameBinding
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Authenticated {

  /**
   * Whether the token may also come as the query parameter {@code access_token}, used only without
   * an {@code Authorization} header: for clients that cannot set headers, such as a browser's
   * EventSource.
   *
   * @return true to accept {@code ?access_token=}
   */
  boolean queryToken() default false;
}
