package dev.presence.web.ops;

/** Writing the Prometheus text exposition format (version 0.0.4). */
final class Prometheus {

  /** The content type of the format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private Prometheus() {}

  static void gauge(StringBuilder out, String name, String help, long value) {
    header(out, name, help, "gauge");
    out.append(name).append(' ').append(value).append('\n');
  }

  static void counter(StringBuilder out, String name, String help, long value) {
    header(out, name, help, "counter");
    out.append(name).append(' ').append(value).append('\n');
  }

  static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  static String escape(String labelValue) {
    return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
