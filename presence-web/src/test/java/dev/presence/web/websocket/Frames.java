package dev.presence.web.websocket;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/** Reads frames as a client does: one JSON object each, batches unpacked in order. */
final class Frames {

  private Frames() {}

  static JsonObject parse(String frame) {
    try (JsonReader r = Json.createReader(new StringReader(frame))) {
      return r.readObject();
    }
  }

  static List<JsonObject> messages(List<String> frames) {
    List<JsonObject> out = new ArrayList<>();
    for (String f : frames) {
      JsonObject o = parse(f);
      if ("batch".equals(o.getString("type", ""))) {
        for (JsonValue m : o.getJsonArray("messages")) {
          out.add(m.asJsonObject());
        }
      } else {
        out.add(o);
      }
    }
    return out;
  }

  static boolean isBatch(String frame) {
    return "batch".equals(parse(frame).getString("type", ""));
  }
}
