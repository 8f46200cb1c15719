package dev.presence.web.webhook;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Webhook requests with {@code java.net.http.HttpClient} (HTTP/1.1, one client per URL).
 *
 * <ul>
 *   <li>Connecting may take {@code timeout}; after the body is sent, the answer's status line and
 *       headers may take {@code timeout} again, and its body the same again at most.
 *   <li>Redirects are not followed: a 3xx answer is a failure like any other non-2xx (retried, then
 *       dropped); configure the final URL.
 *   <li>The answer's body is read and thrown away, at most {@link #MAX_RESPONSE_BYTES}; a longer
 *       one is cut off (the connection closed) and the status decides. A body still arriving after
 *       the timeout is cut off the same way.
 * </ul>
 */
final class HttpWebhookTransport implements WebhookTransport {

  /** The most bytes of an answer's body read before the connection is closed. */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;

  private final HttpClient client;
  private final Duration timeout;

  /**
   * A transport.
   *
   * @param timeout connect timeout, and again response timeout
   * @param executor runs the client's work (the application's threads in a container)
   */
  HttpWebhookTransport(Duration timeout, Executor executor) {
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout)
            .executor(executor)
            .build();
  }

  @Override
  public Result post(URI url, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "presence-webhooks")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    AtomicInteger status = new AtomicInteger(-1);
    CompletableFuture<HttpResponse<Void>> future =
        client.sendAsync(
            request.build(),
            info -> {
              status.set(info.statusCode());
              return new CappedDiscard();
            });
    try {
      // The request timeout covers the wait for the status line; the body gets as long again.
      future.get(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
      return answered(status.get());
    } catch (TimeoutException e) {
      future.cancel(true);
      return status.get() > 0 ? answered(status.get()) : new Result(-1, "no answer in time");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (status.get() > 0) {
        return answered(status.get());
      }
      return new Result(-1, describe(cause));
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  private static Result answered(int status) {
    if (status >= 200 && status <= 299) {
      return new Result(status, "");
    }
    if (status >= 300 && status <= 399) {
      return new Result(status, "answered " + status + " (redirects are not followed)");
    }
    return new Result(status, "answered " + status);
  }

  private static String describe(Throwable e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timeout";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer in time";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof IOException) {
      return "I/O error: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  @Override
  public void close() {
    // HttpClient is AutoCloseable from Java 21 (its threads end with it); on 17 they end once
    // the client is unreachable.
    Object c = client;
    if (c instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        // Nothing more to release.
      }
    }
  }

  /** Reads and drops an answer's body, cancelling after {@link #MAX_RESPONSE_BYTES}. */
  private static final class CappedDiscard implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long received;
    private Flow.@Nullable Subscription subscription;

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        received += b.remaining();
      }
      Flow.Subscription s = subscription;
      if (received > MAX_RESPONSE_BYTES && !done.isDone() && s != null) {
        s.cancel();
        done.complete(null);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      done.complete(null);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }
}
