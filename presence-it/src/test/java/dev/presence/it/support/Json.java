package dev.presence.it.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON helpers for the test clients (Jackson tree model). */
public final class Json {

  /** The shared mapper; thread-safe once configured. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /**
   * Parses a JSON text.
   *
   * @throws AssertionError if the text is not JSON, naming the text
   */
  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("expected JSON but got: " + abbreviate(text), e);
    }
  }

  /** Writes a tree or plain Java value (maps, lists, strings) as JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A new object from alternating names and string values. */
  public static ObjectNode object(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("names and values must pair up");
    }
    ObjectNode node = MAPPER.createObjectNode();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      node.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return node;
  }

  /** The string values of a JSON object, in document order. */
  public static Map<String, String> stringMap(JsonNode object) {
    if (object == null || !object.isObject()) {
      throw new AssertionError("expected a JSON object but got: " + object);
    }
    Map<String, String> map = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isTextual()) {
        throw new AssertionError("attribute " + field.getKey() + " is not a string: " + object);
      }
      map.put(field.getKey(), field.getValue().asText());
    }
    return map;
  }

  /** The text cut to a length that fits an assertion message. */
  public static String abbreviate(String text) {
    return text.length() <= 500
        ? text
        : text.substring(0, 500) + "...(" + text.length() + " chars)";
  }
}
