package dev.presence.web.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/**
 * The REST API at {@code /api/v1}. Resources and providers are found by scanning the WAR: the
 * resources of this package and the Server-Sent Events resource of {@code dev.presence.web.sse}.
 */
@ApplicationPath("/api/v1")
public class RestApplication extends Application {}
