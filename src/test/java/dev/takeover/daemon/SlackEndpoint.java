package dev.takeover.daemon;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Slack as the daemon sees it when it posts: a real HTTP server on its own Vert.x that records every message it
 * is sent (a command's response_url, a channel's incoming webhook) and answers 200 "ok", or, when told, a status
 * and a Retry-After first, as Slack does when it rate-limits.
 */
final class SlackEndpoint implements AutoCloseable {
  /** One request: the path it was posted to, its JSON, what it was answered, when (nanoTime). */
  record Received(String path, JsonObject body, int status, long at) {
    String text() {
      return body.encode();
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Received> received = new ArrayList<>();
  private final Map<String, Deque<int[]>> script = new HashMap<>();

  SlackEndpoint() {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      int status = 200;
      int retryAfter = -1;
      synchronized (this) {
        Deque<int[]> first = script.get(req.path());
        if (first != null && !first.isEmpty()) {
          int[] s = first.removeFirst();
          status = s[0];
          retryAfter = s[1];
        }
        JsonObject json;
        try {
          json = b.toJsonObject();
        } catch (RuntimeException e) {
          json = new JsonObject().put("unreadable", b.toString());
        }
        received.add(new Received(req.path(), json, status, System.nanoTime()));
        notifyAll();
      }
      if (retryAfter >= 0) {
        req.response().putHeader("Retry-After", String.valueOf(retryAfter));
      }
      req.response().setStatusCode(status).end(status == 200 ? "ok" : status == 429 ? "rate_limited" : "error");
    }));
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the Slack endpoint did not listen: " + e, e);
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** The next request to {@code path} is answered {@code status} (with Retry-After when >= 0), then 200 again. */
  synchronized void answerNext(String path, int status, int retryAfterSeconds) {
    script.computeIfAbsent(path, p -> new ArrayDeque<>()).addLast(new int[] {status, retryAfterSeconds});
  }

  synchronized List<Received> to(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  /** Waits (bounded) until the requests to {@code path} satisfy {@code until}; returns them. */
  synchronized List<Received> await(String path, Predicate<List<Received>> until, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      List<Received> mine = to(path);
      if (until.test(mine)) {
        return mine;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("not received within " + bound + " at " + path + ": "
            + mine.stream().map(Received::text).toList());
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
