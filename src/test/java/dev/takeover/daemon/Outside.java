package dev.takeover.daemon;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the daemon calls out to, on one real HTTP server, answering the unhelpful way: a Slack webhook that answers
 * 404 {@code channel_not_found}; a Prometheus ({@code /prom/api/v1/alerts}) that never answers its first question
 * (the gate's own timeout ends it) and then says nothing fires; a fencing hook that answers 500; 200 to anything else
 * (a command's response_url).
 */
final class Outside implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  /** The paths posted or asked, in order. */
  private final List<String> asked = new ArrayList<>();
  private int prometheusQuestions;

  Outside() {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      boolean first;
      synchronized (this) {
        asked.add(req.path());
        first = req.path().startsWith("/prom/") && prometheusQuestions++ == 0;
        notifyAll();
      }
      if (req.path().startsWith("/services/")) {
        req.response().setStatusCode(404).end("channel_not_found");
      } else if (req.path().startsWith("/prom/")) {
        if (!first) {
          req.response().putHeader("Content-Type", "application/json")
              .end("{\"status\":\"success\",\"data\":{\"alerts\":[]}}");
        } // else no answer at all: the connection stays open until the client gives up
      } else if (req.path().startsWith("/fence/")) {
        req.response().setStatusCode(500).end("fence failed");
      } else {
        req.response().end("ok");
      }
    }));
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the outside server did not listen: " + e, e);
    }
  }

  String url(String pathAndQuery) {
    return "http://127.0.0.1:" + server.actualPort() + pathAndQuery;
  }

  /** Waits (bounded) until {@code path} was asked at least {@code n} times. */
  synchronized void awaitPosts(String path, int n, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (asked.stream().filter(path::equals).count() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(path + " not asked " + n + " times within " + bound + "; asked: " + asked);
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
