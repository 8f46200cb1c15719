package dev.presence.web.webhook;

import java.net.URI;
import java.util.Map;

/** Sends one webhook request; {@link HttpWebhookTransport} in production, fakes in tests. */
interface WebhookTransport extends AutoCloseable {

  /**
   * POSTs a body and waits (bounded by the transport's timeouts) for the answer's status.
   *
   * @param url the receiver
   * @param headers the request headers besides Content-Type
   * @param body the JSON body's bytes
   * @return the answer's status, or -1 with no answer (connection refused, timeout, I/O error)
   */
  Result post(URI url, Map<String, String> headers, byte[] body);

  /** Releases the transport's resources; requests in flight may fail. */
  @Override
  void close();

  /**
   * What came back.
   *
   * @param status the HTTP status, or -1 with no answer
   * @param problem what went wrong, for the log ("answered 500", "connection refused"), or empty
   */
  record Result(int status, String problem) {

    /**
     * Whether the receiver took the batch (2xx).
     *
     * @return true for 200 to 299
     */
    boolean delivered() {
      return status >= 200 && status <= 299;
    }
  }
}
