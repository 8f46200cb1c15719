package dev.presence.web.rest;

import dev.presence.ErrorCode;
import dev.presence.PresenceException;
import dev.presence.TooLargeException;
import dev.presence.spi.Caller;
import dev.presence.spi.support.NamedThreads;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.http.ErrorMapping;
import dev.presence.web.http.Requests;
import dev.presence.web.ops.OperationMetrics;
import jakarta.enterprise.context.control.RequestContextController;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Receives REST request bodies without holding a container thread, so that slow or stalled uploads
 * cannot take the threads that every other request (health checks included) needs.
 *
 * <p>For a request under {@code /api/} that has a body (a {@code Content-Length} above zero, or
 * {@code Transfer-Encoding}) and a valid bearer token, the filter takes a place from the {@link
 * BodyReadLimiter} (over the caller's bound: 429 {@code RATE_LIMITED} with {@code Retry-After};
 * over the node's: 503 {@code UNAVAILABLE} with {@code Retry-After}), puts the request in
 * asynchronous mode and reads the body with a {@link ReadListener} (Servlet non-blocking IO): the
 * container calls it when bytes arrive, and no thread waits in between. When the whole body is
 * there, the request is dispatched again to the REST API (with a CDI request context, which Payara
 * does not activate for asynchronous dispatches), which reads the buffered body. A body not
 * received within {@code presence.http.body-timeout} is answered 408 {@code INVALID_ARGUMENT} with
 * {@code Connection: close}; a body over {@code presence.http.max-body-bytes} is answered 413
 * {@code TOO_LARGE} as soon as it is over. Either way the REST API never sees the request, so
 * nothing is stored.
 *
 * <p>A body that arrived whole with the request head (the usual case for a small JSON body, and
 * always when the server is slower than the client, as on a cold node) is read at once on the
 * request's own thread, without an asynchronous request: reading it cannot block. Only a body still
 * on its way is received asynchronously. This also keeps the container's asynchronous dispatch off
 * the thread that started it: when the container's first read callback runs inside {@code
 * setReadListener} (bytes already there), finishing there and calling {@link AsyncContext#dispatch}
 * would run the REST API on another thread while the request thread is still inside this filter, a
 * hand-over Payara does not defer as the Servlet specification asks. Should the body be complete
 * before this filter has returned, the request thread runs the REST API itself and completes the
 * asynchronous request there.
 *
 * <p>Requests without a body, with a declared length over the limit, or without a valid token pass
 * through unchanged: the REST API answers them (413, 401) before reading any body.
 */
@WebFilter(
    urlPatterns = "/api/*",
    asyncSupported = true,
    dispatcherTypes = {DispatcherType.REQUEST, DispatcherType.ASYNC})
public class RequestBodyFilter extends HttpFilter {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(RequestBodyFilter.class.getName());

  /** The request attribute holding the received body for the dispatch to the REST API. */
  static final String BODY = RequestBodyFilter.class.getName() + ".body";

  private static final long BACKSTOP_MILLIS = 30_000;

  @Inject transient PresenceConfig config;
  @Inject transient TokenVerifier verifier;
  @Inject transient BodyReadLimiter limiter;
  @Inject transient OperationMetrics metrics;

  /**
   * One controller per dispatch: Weld's controller keeps whether it activated the context in one
   * flag per instance, so a controller shared by concurrent dispatches can leave a request context
   * active (and never destroyed) on a pooled thread.
   */
  @Inject transient Instance<RequestContextController> requestContexts;

  /**
   * Ends bodies that take too long, to the millisecond; the container's {@link
   * AsyncContext#setTimeout} (the body timeout plus {@value #BACKSTOP_MILLIS} ms) is only a
   * backstop should this timer ever fail.
   */
  private transient @Nullable ScheduledThreadPoolExecutor deadlines;

  @Override
  public void init() {
    ClassLoader app = Thread.currentThread().getContextClassLoader();
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1, NamedThreads.daemon("presence-body-deadlines", null, app));
    timer.setRemoveOnCancelPolicy(true);
    deadlines = timer;
  }

  @Override
  public void destroy() {
    ScheduledThreadPoolExecutor timer = deadlines;
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (req.getDispatcherType() == DispatcherType.ASYNC) {
      Object received = req.getAttribute(BODY);
      if (received instanceof Received body) {
        req.removeAttribute(BODY);
        // Payara does not activate the CDI request context for an asynchronous dispatch; the REST
        // resources are request scoped.
        RequestContextController requestContext = requestContexts.get();
        boolean activated = requestContext.activate();
        try {
          chain.doFilter(new ReceivedBody(req, body), res);
        } finally {
          try {
            if (activated) {
              requestContext.deactivate();
            }
          } finally {
            requestContexts.destroy(requestContext);
          }
        }
      } else {
        chain.doFilter(req, res);
      }
      return;
    }
    long declared = req.getContentLengthLong();
    boolean hasBody = declared > 0 || (declared < 0 && req.getHeader("Transfer-Encoding") != null);
    if (!hasBody || declared > config.maxBodyBytes() || !req.isAsyncSupported()) {
      chain.doFilter(req, res);
      return;
    }
    Caller caller;
    try {
      caller = Requests.authenticate(verifier, req.getHeader("Authorization"), null);
    } catch (PresenceException e) {
      chain.doFilter(req, res);
      return;
    }
    if (declared > 0 && req.getInputStream().available() >= declared) {
      receivedWithHeaders(req, res, chain, (int) declared);
      return;
    }
    BodyReadLimiter.Permit permit;
    try {
      permit = limiter.acquire(caller.userId().value());
    } catch (PresenceException e) {
      ErrorMapping m = ErrorMapping.of(e);
      writeError(res, m, ErrorMapping.retryAfterSeconds(config.bodyTimeout()));
      return;
    }
    try {
      ScheduledThreadPoolExecutor timer = deadlines;
      if (timer == null) {
        throw new IllegalStateException("the request body filter is not initialized");
      }
      AsyncContext async = req.startAsync();
      // The deadline below ends the request; the container's timeout is only a backstop.
      async.setTimeout(config.bodyTimeout().toMillis() + BACKSTOP_MILLIS);
      BodyRead read = new BodyRead(async, req, res, req.getInputStream(), permit);
      async.addListener(read);
      read.deadline =
          timer.schedule(read::expire, config.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      req.getInputStream().setReadListener(read);
      if (!read.phase.compareAndSet(IN_FILTER, LEFT_FILTER)) {
        // Received (or failed) while this thread was still here: answer it here.
        read.runHere(chain);
      }
    } catch (RuntimeException | IOException e) {
      permit.release();
      throw e;
    }
  }

  /** Reads a body that is already there and passes the request on, on this thread. */
  private void receivedWithHeaders(
      HttpServletRequest req, HttpServletResponse res, FilterChain chain, int length)
      throws IOException, ServletException {
    byte[] body = req.getInputStream().readNBytes(length);
    if (body.length < length) {
      ErrorMapping m = invalid(400, "the request body ended before its declared length");
      res.setHeader("Connection", "close");
      writeError(res, m, null);
      return;
    }
    metrics.bodyReceived(true);
    Received received =
        new Received(
            body, req.getRequestURI(), req.getRequestURL().toString(), req.getQueryString());
    chain.doFilter(new ReceivedBody(req, received), res);
  }

  /** {@link BodyRead#phase}: the request thread is still in {@link #doFilter}. */
  private static final int IN_FILTER = 0;

  /** {@link BodyRead#phase}: the request thread has left {@link #doFilter}. */
  private static final int LEFT_FILTER = 1;

  /** {@link BodyRead#phase}: the body was received while the request thread was in the filter. */
  private static final int RECEIVED_IN_FILTER = 2;

  /** Receives one body; the container calls it on its threads, one callback at a time. */
  private final class BodyRead implements ReadListener, AsyncListener {
    private final AsyncContext async;
    private final HttpServletRequest req;
    private final HttpServletResponse res;
    private final ServletInputStream in;
    private final BodyReadLimiter.Permit permit;
    private final int max = config.maxBodyBytes();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private final byte[] buffer = new byte[8192];
    private final AtomicBoolean finished = new AtomicBoolean();
    private final String uri;
    private final String url;
    private final @Nullable String query;
    private volatile @Nullable ScheduledFuture<?> deadline;

    /** Where the request thread is: {@link #IN_FILTER}, {@link #LEFT_FILTER} or received. */
    final AtomicInteger phase = new AtomicInteger(IN_FILTER);

    private volatile @Nullable Received received;

    BodyRead(
        AsyncContext async,
        HttpServletRequest req,
        HttpServletResponse res,
        ServletInputStream in,
        BodyReadLimiter.Permit permit) {
      this.async = async;
      this.req = req;
      this.res = res;
      this.in = in;
      this.permit = permit;
      this.uri = req.getRequestURI();
      this.url = req.getRequestURL().toString();
      this.query = req.getQueryString();
    }

    @Override
    public void onDataAvailable() throws IOException {
      while (!finished.get() && in.isReady()) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        if (out.size() + n > max) {
          fail(
              ErrorMapping.of(
                  new TooLargeException("the request body may be at most " + max + " bytes")),
              null);
          return;
        }
        out.write(buffer, 0, n);
      }
      // The end of the body is the container's onAllDataRead, never this read's isFinished().
      // Ending the request here (dispatch, or complete on the request thread) while the container
      // still has its onAllDataRead to deliver would let Payara run that callback after it has
      // recycled the request object and handed it to the next request: its
      // InputBuffer.ReadHandlerImpl outlives the recycle and reads request.getContext() again
      // (InputBuffer.processCallbacks). A missed onAllDataRead ends in the 408 of the deadline.
    }

    @Override
    public void onAllDataRead() {
      if (finished.compareAndSet(false, true)) {
        permit.release();
        cancelDeadline();
        metrics.bodyReceived(false);
        Received body = new Received(out.toByteArray(), uri, url, query);
        received = body;
        if (phase.compareAndSet(IN_FILTER, RECEIVED_IN_FILTER)) {
          // The request thread is still in doFilter: it runs the REST API (runHere).
          return;
        }
        req.setAttribute(BODY, body);
        async.dispatch();
      }
    }

    /**
     * Runs the REST API on the request thread, which is still in {@link #doFilter} and has the
     * request's CDI context, then completes the asynchronous request from that same thread (the
     * container then ends the response when the thread returns).
     */
    void runHere(FilterChain chain) throws IOException, ServletException {
      Received body = received;
      try {
        if (body != null) {
          chain.doFilter(new ReceivedBody(req, body), res);
        }
      } finally {
        try {
          async.complete();
        } catch (IllegalStateException e) {
          LOG.log(Level.FINE, "the request had already ended", e);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      LOG.log(Level.FINE, "a request body could not be received", t);
      fail(invalid(400, "the request body could not be read"), null);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      if (finished.get()) {
        // Received and dispatched, yet not ended: the container answers it with an error. Say so,
        // this should never happen.
        LOG.warning(
            () ->
                "a request to " + uri + " whose body was received did not end within the timeout");
      }
      expire();
    }

    void expire() {
      fail(
          invalid(
              408,
              "the request body did not arrive within "
                  + config.bodyTimeout().toMillis()
                  + " ms; send it at once"),
          null);
    }

    @Override
    public void onError(AsyncEvent event) {
      if (finished.compareAndSet(false, true)) {
        permit.release();
        cancelDeadline();
      }
    }

    private void cancelDeadline() {
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
    }

    @Override
    public void onComplete(AsyncEvent event) {
      permit.release();
      cancelDeadline();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // not restarted
    }

    private void fail(ErrorMapping m, @Nullable Long retryAfter) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      permit.release();
      cancelDeadline();
      try {
        res.setHeader("Connection", "close");
        writeError(res, m, retryAfter);
        // Sent from here, not at completion: Undertow completes an asynchronous request on one of
        // its worker threads, which first drains the unread rest of the body in a blocking read
        // (until the client sends it or closes). Left to completion, the answer to a stalled body
        // waited for a free worker (only 32 of 250 slow bodies got theirs on WildFly).
        res.flushBuffer();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.FINE, "could not answer a request whose body failed", e);
      } finally {
        try {
          async.complete();
        } catch (IllegalStateException e) {
          LOG.log(Level.FINE, "the request had already ended", e);
        }
      }
    }
  }

  private static ErrorMapping invalid(int status, String message) {
    return new ErrorMapping(status, ErrorCode.INVALID_ARGUMENT.name(), message, null, null, false);
  }

  private static void writeError(HttpServletResponse res, ErrorMapping m, @Nullable Long retryAfter)
      throws IOException {
    res.setStatus(m.status());
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.setHeader("Cache-Control", "no-store");
    Long wait = m.retryAfterSeconds() != null ? m.retryAfterSeconds() : retryAfter;
    if (wait != null && (m.status() == 429 || m.status() == 503)) {
      res.setHeader("Retry-After", Long.toString(wait));
    }
    byte[] body = m.body().toString().getBytes(StandardCharsets.UTF_8);
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }

  /**
   * A received body and the request's URI as the client sent it (still percent-encoded): Payara
   * dispatches to the decoded path, where an encoded {@code ;} or {@code /} would mean something
   * else.
   */
  private record Received(byte[] body, String uri, String url, @Nullable String query) {}

  /** The request as the REST API sees it after the filter received its body. */
  private static final class ReceivedBody extends HttpServletRequestWrapper {
    private final Received received;
    private final byte[] body;
    private final ByteArrayInputStream in;

    ReceivedBody(HttpServletRequest req, Received received) {
      super(req);
      this.received = received;
      this.body = received.body();
      this.in = new ByteArrayInputStream(body);
    }

    @Override
    public String getRequestURI() {
      return received.uri();
    }

    @Override
    public StringBuffer getRequestURL() {
      return new StringBuffer(received.url());
    }

    @Override
    public @Nullable String getQueryString() {
      return received.query();
    }

    @Override
    public ServletInputStream getInputStream() {
      return new ServletInputStream() {
        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new IllegalStateException("the body was already received");
        }

        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
