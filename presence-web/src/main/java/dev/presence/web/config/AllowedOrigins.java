package dev.presence.web.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A list of web origins ({@code scheme://host[:port]}, as browsers send them in the {@code Origin}
 * header) or {@code *} for every origin: the value of {@code presence.http.cors.allowed-origins}
 * and {@code presence.ws.allowed-origins}.
 *
 * <p>Origins are compared without regard to case and exactly otherwise: browsers leave out a
 * scheme's default port, so write {@code https://example.com}, not {@code https://example.com:443}.
 * Immutable.
 *
 * @param any whether every origin is allowed ({@code *})
 * @param origins the allowed origins in lower case (empty when {@code any})
 */
public record AllowedOrigins(boolean any, Set<String> origins) {

  /** No origin at all. */
  public static final AllowedOrigins NONE = new AllowedOrigins(false, Set.of());

  /** Every origin. */
  public static final AllowedOrigins ANY = new AllowedOrigins(true, Set.of());

  private static final Pattern ORIGIN =
      Pattern.compile(
          "[a-z][a-z0-9+.-]*://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
              + "|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");

  /**
   * Checks and copies.
   *
   * @param any whether every origin is allowed
   * @param origins the allowed origins in lower case; empty when {@code any}
   */
  public AllowedOrigins {
    origins = Set.copyOf(origins);
    if (any && !origins.isEmpty()) {
      throw new IllegalArgumentException("* allows every origin; list no others");
    }
  }

  /**
   * Parses a comma-separated list of origins, or {@code *}.
   *
   * @param value the configured value
   * @return the list
   * @throws IllegalArgumentException if an entry is not {@code scheme://host[:port]} or {@code *},
   *     or if {@code *} is listed with others; the message names the entry
   */
  public static AllowedOrigins parse(String value) {
    Set<String> origins = new LinkedHashSet<>();
    boolean any = false;
    for (String part : value.split(",", -1)) {
      String o = part.trim().toLowerCase(Locale.ROOT);
      if (o.equals("*")) {
        any = true;
      } else if (!ORIGIN.matcher(o).matches() || !portInRange(o)) {
        throw new IllegalArgumentException(
            "'"
                + part.trim()
                + "' is not an origin: write scheme://host[:port] (no path, no trailing /), or *");
      } else {
        origins.add(o);
      }
    }
    if (any && !origins.isEmpty()) {
      throw new IllegalArgumentException("* allows every origin; list no others");
    }
    return any ? ANY : new AllowedOrigins(false, origins);
  }

  /**
   * Whether an {@code Origin} header value is allowed.
   *
   * @param origin the header's value, or null if the request has none
   * @return true if the list is {@code *} or names the origin; false for null unless {@code *}
   */
  public boolean allows(@Nullable String origin) {
    if (any) {
      return true;
    }
    return origin != null && origins.contains(origin.trim().toLowerCase(Locale.ROOT));
  }

  /**
   * The list as configured, for messages.
   *
   * @return {@code *} or the origins joined with commas
   */
  @Override
  public String toString() {
    return any ? "*" : String.join(",", List.copyOf(origins));
  }

  private static boolean portInRange(String origin) {
    int colon = origin.lastIndexOf(':');
    int bracket = origin.lastIndexOf(']');
    if (colon <= origin.indexOf("://") || colon < bracket) {
      return true;
    }
    int port = Integer.parseInt(origin.substring(colon + 1));
    return port >= 1 && port <= 65535;
  }
}
