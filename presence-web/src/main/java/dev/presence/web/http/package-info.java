/**
 * The HTTP plumbing that the REST API ({@code dev.presence.web.rest}) and Server-Sent Events
 * ({@code dev.presence.web.sse}) share under {@code /api/v1}: the JAX-RS application, the caller of
 * a request ({@link dev.presence.web.http.AuthenticationFilter}, {@link
 * dev.presence.web.http.ApiRequest}), reading ids and parameters ({@link
 * dev.presence.web.http.Requests}), the one exception mapper and the error bodies of the
 * specification ({@link dev.presence.web.http.ErrorMapping}), CORS, the container's error page, and
 * the security headers of the operator console ({@link
 * dev.presence.web.http.ConsoleHeadersFilter}).
 *
 * <p>The front ends use this package; it uses neither of them, and the WebSocket front end uses
 * none of it.
 */
@NullMarked
package dev.presence.web.http;

import org.jspecify.annotations.NullMarked;
