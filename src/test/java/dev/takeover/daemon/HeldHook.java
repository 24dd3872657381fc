package dev.takeover.daemon;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fencing hook (an HTTP relay to the BMCs, as the README's contract has it) on a real HTTP server of its own
 * Vert.x, that records every call and, while held, keeps its answer back: the call stays in flight until the test
 * releases it, as a BMC's power-off that takes its time does. Released, it answers 200 to the held calls whose
 * connection is still open, and to every later call at once.
 */
final class HeldHook implements AutoCloseable {
  /** One call: its JSON ({@code node}, {@code ticket}, {@code reason}), when (nanoTime), whether it was answered. */
  static final class Call {
    final JsonObject body;
    final long at;
    final HttpServerResponse response;
    /** "200" once answered, "closed" when the caller went away before the answer. */
    volatile String answer;

    Call(JsonObject body, long at, HttpServerResponse response) {
      this.body = body;
      this.at = at;
      this.response = response;
    }

    @Override
    public String toString() {
      return body.encode() + " answered " + answer;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Call> calls = new ArrayList<>();
  private boolean held;

  HeldHook(boolean held) {
    this.held = held;
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      Call call = new Call(b.toJsonObject(), System.nanoTime(), req.response());
      // The caller gone before the answer (its daemon killed): recorded, so that the test can tell it from a 200.
      req.connection().closeHandler(v -> {
        if (call.answer == null) {
          call.answer = "closed";
        }
      });
      boolean answerNow;
      synchronized (this) {
        calls.add(call);
        answerNow = !this.held;
        notifyAll();
      }
      if (answerNow) {
        answer(call);
      }
    }));
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the fencing hook did not listen: " + e, e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/power-off";
  }

  /** Answers the held calls (those still connected) and every later one at once. */
  void release() {
    List<Call> waiting;
    synchronized (this) {
      held = false;
      waiting = List.copyOf(calls);
    }
    vertx.runOnContext(v -> waiting.forEach(HeldHook::answer));
  }

  private static void answer(Call call) {
    if (call.answer == null && !call.response.closed()) {
      call.answer = "200";
      call.response.putHeader("Content-Type", "text/plain").end("powered off");
    }
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Waits (bounded) until at least {@code n} calls came in; returns them all. */
  synchronized List<Call> await(int n, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (calls.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(n + " calls of the fencing hook expected within " + bound + "; got " + calls);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return List.copyOf(calls);
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
