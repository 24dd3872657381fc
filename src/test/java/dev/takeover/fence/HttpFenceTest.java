package dev.takeover.fence;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.engine.Fence;
import dev.takeover.logs.LogCapture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP fencing hook against a local HTTP server playing the operator's BMC relay, which records each call: what
 * Takeover sends, what it makes of each answer (or of none), and that the URL and the token never show.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HttpFenceTest {
  /** For a relay that answers: generous, so that a loaded machine never turns an answer into a timeout. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** For a relay that never answers: short, as it is waited for. */
  static final Duration SHORT = Duration.ofSeconds(1);
  final Vertx vertx = Vertx.vertx();
  final LinkedBlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicReference<String> answer = new AtomicReference<>("");
  /** When set, the relay takes the call and never answers. */
  volatile boolean silent;
  /** When set, the relay's answer quotes the request's URI and Authorization, as a careless one might. */
  volatile boolean echo;
  int port;

  record Call(String method, String uri, String authorization, String contentType, JsonObject body) {}

  @BeforeEach
  void relay() throws Exception {
    HttpServer relay = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      calls.add(new Call(req.method().name(), req.uri(), req.getHeader("Authorization"),
          req.getHeader("Content-Type"), b.toJsonObject()));
      if (silent) {
        return;
      }
      String text = echo ? "got " + req.uri() + " with " + req.getHeader("Authorization") : answer.get();
      req.response().setStatusCode(status.get()).end(text);
    }));
    port = relay.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Fence fence(String url, String token) {
    return fence(url, token, TIMEOUT);
  }

  Fence fence(String url, String token, Duration timeout) {
    return Fences.from(vertx, new DaemonConfig.Fencing(url, token, List.of(), timeout));
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The hook's answer, asked from a Vert.x context; checks it arrives on that same context. */
  Future<String> powerOff(Fence fence, String node) throws Exception {
    Context caller = vertx.getOrCreateContext();
    CompletableFuture<Future<String>> result = new CompletableFuture<>();
    caller.runOnContext(v -> fence.powerOff(node, "T-" + node, "node " + node + " down for 10m, Lease not renewed")
        .onComplete(ar -> {
          assertSame(caller, Vertx.currentContext(), "completed on the caller's context");
          result.complete(ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()));
        }));
    return result.get(10, TimeUnit.SECONDS);
  }

  String failure(Fence fence, String node) throws Exception {
    Future<String> f = powerOff(fence, node);
    assertTrue(f.failed(), () -> "expected a failure, got " + f.result());
    String message = f.cause().getMessage();
    assertFalse(message.contains("\n"), () -> "one line: " + message);
    return message;
  }

  @Test
  void a_2xx_answer_means_powered_off_and_the_relay_got_the_node_the_ticket_and_the_reason() throws Exception {
    answer.set("chassis power off: done\nsecond line not shown");
    Fence fence = fence(url("/fence"), "relay-token");
    assertEquals("HTTP hook on 127.0.0.1:" + port, fence.describe());
    try (LogCapture log = LogCapture.of(HttpFence.class)) {
      Future<String> done = powerOff(fence, "worker-2");
      assertTrue(done.succeeded(), () -> String.valueOf(done.cause()));
      assertEquals("HTTP hook on 127.0.0.1:" + port + " answered 200: chassis power off: done", done.result());
      String line = log.await(l -> l.contains("worker-2"), Duration.ofSeconds(5));
      assertTrue(line.matches("INFO fencing node worker-2 \\(ticket T-worker-2\\) with HTTP hook on 127\\.0\\.0\\.1:\\d+"
          + ": powered off in \\d+ ms \\(.*\\)"), line);
    }
    Call call = calls.poll(5, TimeUnit.SECONDS);
    assertNotNull(call);
    assertEquals("POST", call.method());
    assertEquals("/fence", call.uri());
    assertEquals("Bearer relay-token", call.authorization());
    assertEquals("application/json", call.contentType());
    assertEquals(new JsonObject().put("node", "worker-2").put("ticket", "T-worker-2")
        .put("reason", "node worker-2 down for 10m, Lease not renewed"), call.body());
  }

  @Test
  void without_a_token_no_authorization_is_sent_and_a_204_without_a_body_is_success() throws Exception {
    status.set(204);
    Future<String> done = powerOff(fence(url("/"), ""), "worker-3");
    assertEquals("HTTP hook on 127.0.0.1:" + port + " answered 204", done.result());
    assertNull(calls.poll(5, TimeUnit.SECONDS).authorization());
  }

  @Test
  void credentials_in_the_url_without_a_token_go_as_basic_authorization() throws Exception {
    powerOff(fence("http://relay:s3cret-pw@127.0.0.1:" + port + "/off", ""), "worker-3");
    Call call = calls.poll(5, TimeUnit.SECONDS);
    assertEquals("Basic " + Base64.getEncoder().encodeToString("relay:s3cret-pw".getBytes(UTF_8)),
        call.authorization());
    assertEquals("/off", call.uri());
  }

  @Test
  void an_error_status_fails_naming_the_status_and_the_first_line_of_the_answer() throws Exception {
    status.set(500);
    answer.set("\n  BMC bmc-worker-2 \u001b[31munreachable\u001b[0m  \nTraceback (most recent call last):\n");
    assertEquals("fencing hook answered 500: BMC bmc-worker-2 [31munreachable [0m",
        failure(fence(url("/fence"), ""), "worker-2"));
    status.set(503);
    answer.set("x".repeat(5000));
    String longAnswer = failure(fence(url("/fence"), ""), "worker-2");
    assertTrue(longAnswer.startsWith("fencing hook answered 503: xxx"), longAnswer);
    assertTrue(longAnswer.length() < "fencing hook answered 503: ".length() + Fences.LINE_MAX + 1, longAnswer);
  }

  @Test
  void a_relay_that_never_answers_fails_after_the_timeout() throws Exception {
    silent = true;
    long start = System.nanoTime();
    String message = failure(fence(url("/fence"), "", SHORT), "worker-2");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals("fencing hook did not answer within PT1S", message);
    assertNotNull(calls.poll(5, TimeUnit.SECONDS), "the call did reach the relay");
    assertTrue(ms >= 900 && ms < 8000, "failed after " + ms + " ms");
  }

  @Test
  void a_refused_connection_fails_with_one_line_naming_host_and_port_only() throws Exception {
    int closed = closedPort();
    String message = failure(fence("http://127.0.0.1:" + closed + "/fence", ""), "worker-2");
    assertTrue(message.startsWith("fencing HTTP hook on 127.0.0.1:" + closed + " failed: "), message);
  }

  @Test
  void the_token_and_the_url_never_show_in_a_failure_or_a_log_line() throws Exception {
    List<String> canaries = List.of("canary-token-5e1", "canary-user-3a", "canary-pw-91c", "canary-path-77",
        "canary-query-2b");
    String path = "/hook/canary-path-77?key=canary-query-2b";
    List<String> said = new ArrayList<>();
    try (LogCapture log = LogCapture.of(HttpFence.class)) {
      Fence fence = fence("http://canary-user-3a:canary-pw-91c@127.0.0.1:" + port + path, "canary-token-5e1");
      said.add(fence.describe());
      echo = true;
      status.set(401);
      said.add(failure(fence, "worker-2"));
      assertEquals(path, calls.poll(5, TimeUnit.SECONDS).uri(), "the relay did get the whole URL");
      echo = false;
      silent = true;
      said.add(failure(fence("http://canary-user-3a:canary-pw-91c@127.0.0.1:" + port + path, "canary-token-5e1", SHORT),
          "worker-2"));
      int closed = closedPort();
      said.add(failure(fence("http://canary-user-3a:canary-pw-91c@127.0.0.1:" + closed + path, "canary-token-5e1"),
          "worker-2"));
      said.add(failure(fence("https://canary-user-3a:canary-pw-91c@127.0.0.1:" + port + path, "canary-token-5e1"),
          "worker-2"));
      said.add(failure(fence("http://canary-user-3a:canary-pw-91c@no-such-host.invalid:1" + path, "canary-token-5e1"),
          "worker-2"));
      log.await(l -> l.contains("no-such-host"), Duration.ofSeconds(5));
      said.addAll(log.lines());
      assertEquals(5, log.containing("fencing node worker-2").size(), "one line per call: " + log.lines());
    }
    assertTrue(said.get(1).startsWith("fencing hook answered 401: got <redacted> with Bearer <redacted>"),
        said.get(1));
    for (String s : said) {
      for (String canary : canaries) {
        assertFalse(s.contains(canary), () -> canary + " shown in: " + s);
      }
    }
  }

  int closedPort() throws Exception {
    HttpServer gone = vertx.createHttpServer().requestHandler(r -> r.response().end());
    int p = gone.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    gone.close().await(10, TimeUnit.SECONDS);
    return p;
  }

  @Test
  void no_hook_is_configured_without_a_url_or_a_command() {
    assertNull(Fences.from(vertx, DaemonConfig.Fencing.NONE));
  }
}
