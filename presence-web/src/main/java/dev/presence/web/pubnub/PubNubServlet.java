package dev.presence.web.pubnub;

import dev.presence.web.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * PubNub's paths outside {@code /v2}: {@code GET /time/0} answers {@code [timetoken]} (pubnub 7
 * polls it to find the network again), and publish, signal, fire and access manager ({@code /v3})
 * answer 400 in PubNub's error shape: they are not presence. Off ({@code presence.pubnub.enabled
 * =false}): 404 in the same shape.
 */
@WebServlet(urlPatterns = {"/time/*", "/publish/*", "/signal/*", "/v3/*"})
public class PubNubServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Inject transient PresenceConfig config;

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (!config.pubnubEnabled()) {
      send(res, PubNubException.notFound("Not Found"));
      return;
    }
    String servlet = req.getServletPath();
    String path = req.getPathInfo();
    if ("/time".equals(servlet)) {
      if (!"GET".equals(req.getMethod())) {
        send(res, new PubNubException(405, "Method Not Allowed", "Time", List.of()));
      } else if (!"/0".equals(path)) {
        send(res, PubNubException.notFound("Not Found"));
      } else {
        write(res, 200, "[" + Timetokens.next() + "]");
      }
      return;
    }
    String what =
        switch (servlet) {
          case "/v3" -> "access manager";
          case "/signal" -> "signals";
          default -> "publish";
        };
    send(
        res,
        new PubNubException(
            400,
            "not supported: this server speaks only PubNub's presence operations (no " + what + ")",
            "Presence",
            List.of()));
  }

  private static void send(HttpServletResponse res, PubNubException e) throws IOException {
    write(res, e.status(), PubNubJson.error(e));
  }

  private static void write(HttpServletResponse res, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.setContentLength(bytes.length);
    res.getOutputStream().write(bytes);
  }
}
