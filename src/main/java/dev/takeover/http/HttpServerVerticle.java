package dev.takeover.http;

import dev.takeover.daemon.TriggerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.ArrayList;
import io.vertx.core.Vertx;
import java.util.stream.Collectors;

/**
 * The daemon's one HTTP server (Vert.x core; Vert.x Web 5.2 is not served here and a router of a handful of routes
 * is a loop): probes, metrics, the ticket API, Slack and Alertmanager, each a {@link Route} given in. It reads a
 * request's body whole within {@code http.maxBodyBytes} (413 beyond, said before the body is read when the length
 * is declared), calls the route, and answers what it replies. Whatever a route throws or fails with becomes a 500
 * JSON error with no detail; a route that does not answer within {@link #ROUTE_PATIENCE} gets a 503.
 */
public final class HttpServerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServerVerticle.class);
  /** Below the idle timeout ({@value #IDLE_SECONDS} s), so that the 503 is written before the connection is dropped. */
  static final Duration ROUTE_PATIENCE = Duration.ofSeconds(25);
  static final int IDLE_SECONDS = 30;
  private static final java.util.Set<io.vertx.core.http.HttpMethod> METHODS = java.util.Set.of(
      io.vertx.core.http.HttpMethod.GET, io.vertx.core.http.HttpMethod.POST, io.vertx.core.http.HttpMethod.HEAD,
      io.vertx.core.http.HttpMethod.PUT, io.vertx.core.http.HttpMethod.DELETE, io.vertx.core.http.HttpMethod.OPTIONS,
      io.vertx.core.http.HttpMethod.PATCH);

  /** Told of every answered request, for metrics: the route's pattern (or "unmatched"), method, status, time. */
  public interface Observer {
    void answered(String route, String method, int status, Duration took);

    Observer NONE = (route, method, status, took) -> { };
  }

  private final TriggerConfig.Http config;
  private final List<Function<Vertx, Routes>> inputs;
  private final List<Routes> started = new ArrayList<>();
  private final Observer observer;
  private List<Route> table;
  private HttpServer server;
  private volatile int port = -1;

  /** @param inputs each builds its routes on start (a restarted server gets fresh ones), and is closed on stop */
  public HttpServerVerticle(TriggerConfig.Http config, List<Function<Vertx, Routes>> inputs, Observer observer) {
    this.config = config;
    this.inputs = List.copyOf(inputs);
    this.observer = observer;
  }

  /** The port listened on once started (the actual one when {@code http.port} is 0); -1 before. */
  public int port() {
    return port;
  }

  @Override
  public Future<?> start() {
    List<Route> all = new ArrayList<>();
    for (Function<Vertx, Routes> input : inputs) {
      Routes r = input.apply(vertx);
      started.add(r);
      all.addAll(r.routes());
    }
    table = List.copyOf(all);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setMaxInitialLineLength(8192).setMaxHeaderSize(16384).setCompressionSupported(true)
        // A client that stops sending (a slow body, an idle keep-alive) holds a connection 30 s at most.
        .setIdleTimeout(IDLE_SECONDS));
    server.requestHandler(this::handle);
    return server.listen().onSuccess(s -> {
      port = s.actualPort();
      LOG.info("HTTP server on {}:{}", config.host(), port);
    }).recover(e -> closeInputs().transform(x -> Future.failedFuture(e))); // no stop() follows a failed start
  }

  @Override
  public Future<?> stop() {
    // The server first: requests in flight still find their producer and clients until it has closed.
    Future<Void> stopped = server == null ? Future.succeededFuture() : server.close();
    return stopped.otherwiseEmpty().transform(ar -> closeInputs());
  }

  private Future<Void> closeInputs() {
    List<Future<Void>> closed = new ArrayList<>();
    started.forEach(r -> closed.add(r.close().otherwiseEmpty()));
    started.clear();
    return Future.join(closed).mapEmpty();
  }

  private void handle(HttpServerRequest req) {
    long start = System.nanoTime();
    if (!METHODS.contains(req.method())) {
      // Vert.x passes any token as a method; one the server does not know gets no route and no series of its own.
      req.resume();
      send(req, Reply.error(501, "not-implemented", "the method is not served here"), "unmatched", start);
      return;
    }
    String path = req.path();
    Route found = null;
    Map<String, String> params = null;
    boolean pathKnown = false;
    for (Route r : table) {
      Map<String, String> p = r.match(path);
      if (p != null) {
        pathKnown = true;
        if (r.method().equals(req.method())) {
          found = r;
          params = p;
          break;
        }
      }
    }
    if (found == null) {
      String allow = pathKnown ? table.stream().filter(r -> r.match(path) != null).map(r -> r.method().name())
          .distinct().collect(Collectors.joining(", ")) : null;
      Reply reply = pathKnown
          ? Reply.error(405, "method-not-allowed", req.method() + " is not served on " + path).withHeader("Allow", allow)
          : Reply.error(404, "not-found", "no such route: " + path);
      req.resume(); // nothing of the body is wanted
      send(req, reply, "unmatched", start);
      return;
    }
    Route route = found;
    Map<String, String> pathParams = params;
    readBody(req).onComplete(body -> {
      if (body.failed()) {
        send(req, Reply.error(413, "too-large", body.cause().getMessage()).withHeader("Connection", "close"),
            route.pattern(), start);
        return;
      }
      answer(route, new Request(req, pathParams, body.result())).onComplete(ar -> {
        Reply reply;
        if (ar.succeeded() && ar.result() != null) {
          reply = ar.result();
        } else {
          // Logged for the operator; the client gets no detail (it might name a host, a file, a secret's key).
          LOG.warn("{} {} failed: {}", req.method(), route.pattern(), ar.failed() ? oneLine(ar.cause()) : "no answer");
          reply = Reply.error(500, "internal", "the request could not be handled; the daemon's log says why");
        }
        send(req, reply, route.pattern(), start);
      });
    });
  }

  private Future<Reply> answer(Route route, Request request) {
    Promise<Reply> answered = Promise.promise();
    long timer = vertx.setTimer(ROUTE_PATIENCE.toMillis(), t -> answered.tryComplete(Reply.error(503, "timeout",
        "no answer within " + ROUTE_PATIENCE.toSeconds() + " s; try again").withHeader("Retry-After", "5")));
    Future<Reply> f;
    try {
      f = route.handler().handle(request);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        answered.tryComplete(ar.result());
      } else {
        answered.tryFail(ar.cause());
      }
    });
    return answered.future();
  }

  /** The whole body, or a failure (saying the limit) as soon as it is known to be over the limit. */
  private Future<Buffer> readBody(HttpServerRequest req) {
    int max = config.maxBodyBytes();
    String declared = req.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > max) {
          return Future.failedFuture("the body is larger than " + max + " bytes");
        }
      } catch (NumberFormatException e) {
        // The HTTP codec has refused a malformed length already; nothing to add.
      }
    }
    Promise<Buffer> read = Promise.promise();
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (read.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > max) {
        read.tryFail("the body is larger than " + max + " bytes");
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> read.tryFail("the body could not be read"));
    req.endHandler(v -> read.tryComplete(body));
    return read.future();
  }

  private void send(HttpServerRequest req, Reply reply, String route, long start) {
    HttpServerResponse res = req.response();
    if (res.ended() || res.closed()) {
      return;
    }
    res.setStatusCode(reply.status());
    if (reply.contentType() != null) {
      res.putHeader("Content-Type", reply.contentType());
    }
    res.putHeader("Cache-Control", "no-store");
    // "Connection: close" (after a body too large to read on) is HTTP/1's; an HTTP/2 stream just ends.
    boolean close = reply.headers().containsKey("Connection") && req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
    reply.headers().forEach((name, value) -> {
      if (!name.equals("Connection") || close) {
        res.putHeader(name, value);
      }
    });
    res.end(reply.body()).onComplete(ar -> {
      if (close) {
        req.connection().close();
      }
    });
    try {
      String method = METHODS.contains(req.method()) ? req.method().name() : "other";
      observer.answered(route, method, reply.status(), Duration.ofNanos(System.nanoTime() - start));
    } catch (RuntimeException e) {
      LOG.debug("request observer failed", e);
    }
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
