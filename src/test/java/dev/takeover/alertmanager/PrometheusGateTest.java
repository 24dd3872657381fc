package dev.takeover.alertmanager;

import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.TriggerConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.Map;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate's reading of Prometheus' answers, against a local HTTP server playing Prometheus: which alerts hold, and
 * that every answer it cannot use holds too (fails closed), naming why but never the URL.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PrometheusGateTest {
  final Vertx vertx = Vertx.vertx();
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicReference<String> body = new AtomicReference<>("");
  /** The Authorization this Prometheus requires (401 without it), as one behind a basic-auth proxy; null: none. */
  final AtomicReference<String> required = new AtomicReference<>();
  final AtomicReference<String> lastPath = new AtomicReference<>();
  HttpServer prometheus;
  int port;

  @BeforeEach
  void prometheus() throws Exception {
    prometheus = vertx.createHttpServer().requestHandler(req -> {
      lastPath.set(req.path());
      if (required.get() != null && !required.get().equals(req.getHeader("Authorization"))) {
        req.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"prometheus\"").end();
        return;
      }
      req.response().setStatusCode(status.get()).putHeader("Content-Type", "application/json").end(body.get());
    });
    port = prometheus.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String alerts(String... alerts) {
    return "{\"status\":\"success\",\"data\":{\"alerts\":[" + String.join(",", alerts) + "]}}";
  }

  static String alert(String name, String state) {
    return "{\"labels\":{\"alertname\":\"" + name + "\"},\"annotations\":{},\"state\":\"" + state
        + "\",\"activeAt\":\"2026-03-01T10:00:00Z\",\"value\":\"1e+00\"}";
  }

  /** The gate's answer once Prometheus has been asked (the first question only starts the asking). */
  String answer(String url, String pattern) throws Exception {
    DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", "unused:9092"),
        new DaemonConfig.Topics("t", "e", "d", "s"), "g", 1, (short) -1), EngineConfig.defaults(),
        new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)), "test")
        .withGate(new TriggerConfig.Gate(url, pattern, Duration.ofMinutes(1)));
    Context context = vertx.getOrCreateContext();
    LinkedBlockingQueue<Boolean> answered = new LinkedBlockingQueue<>();
    PrometheusGate gate = new PrometheusGate(vertx, config, () -> answered.add(true));
    assertEquals(PrometheusGate.ASKING, on(context, gate));
    assertNotNull(answered.poll(30, TimeUnit.SECONDS), "the gate answered");
    String reason = on(context, gate);
    gate.close();
    return reason;
  }

  static String on(Context context, PrometheusGate gate) throws Exception {
    CompletableFuture<String> r = new CompletableFuture<>();
    context.runOnContext(v -> r.complete(gate.get()));
    return r.get(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  @Test
  void only_firing_alerts_whose_whole_name_matches_hold_and_the_reason_names_them() throws Exception {
    body.set(alerts(alert("KafkaUnderReplicated", "firing"), alert("HighLatency", "firing"),
        alert("KafkaOffline", "pending"), alert("MyKafkaThing", "firing"), alert("NodeMaintenanceRequired", "firing")));
    String reason = answer(url(), "Kafka.*|NodeMaintenanceRequired");
    assertTrue(reason.startsWith("alert(s) firing in Prometheus hold new runs (gate.alerts "
        + "'Kafka.*|NodeMaintenanceRequired'): KafkaUnderReplicated;"), reason);
    body.set(alerts(alert("HighLatency", "pending"), alert("NodeMaintenanceRequired", "firing")));
    assertNull(answer(url() + "/", ".*"), "the alert that asks for runs never holds them");
  }

  @Test
  void many_firing_alerts_are_named_five_and_counted() throws Exception {
    body.set(alerts(alert("A1", "firing"), alert("A2", "firing"), alert("A3", "firing"), alert("A4", "firing"),
        alert("A5", "firing"), alert("A6", "firing"), alert("A7", "firing")));
    assertTrue(answer(url(), "A.*").contains("A1, A2, A3, A4, A5 and 2 more"));
  }

  @Test
  void credentials_in_the_url_are_sent_as_basic_authorization_and_never_shown() throws Exception {
    required.set("Basic " + Base64.getEncoder().encodeToString("prom-reader:canary-pw@7e2".getBytes(UTF_8)));
    body.set(alerts(alert("KafkaUnderReplicated", "firing")));
    String reason = answer("http://prom-reader:canary-pw%407e2@127.0.0.1:" + port + "/prometheus", "Kafka.*");
    assertTrue(reason.startsWith("alert(s) firing in Prometheus hold new runs"), reason);
    assertEquals("/prometheus/api/v1/alerts", lastPath.get());
    body.set(alerts());
    assertNull(answer("http://prom-reader:canary-pw%407e2@127.0.0.1:" + port, ".*"), "nothing fires");
    String wrong = answer("http://prom-reader:canary-wrong-9d4@127.0.0.1:" + port, ".*");
    assertEquals("Prometheus cannot be asked (it answered HTTP 401); new runs wait until it answers (the gate fails "
        + "closed)", wrong);
    assertFalse(wrong.contains("canary"), wrong);
  }

  @Test
  void an_error_an_answer_of_another_shape_or_no_prometheus_at_all_holds_the_runs() throws Exception {
    status.set(503);
    body.set("{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"overloaded\"}");
    assertEquals("Prometheus cannot be asked (it answered HTTP 503); new runs wait until it answers (the gate fails "
        + "closed)", answer(url(), ".*"));
    status.set(200);
    body.set("<html>login</html>");
    assertTrue(answer(url(), ".*").startsWith("Prometheus cannot be asked (its answer is not what /api/v1/alerts "
        + "answers"));
    body.set("{\"status\":\"success\",\"data\":{\"activeTargets\":[]}}");
    assertTrue(answer(url(), ".*").contains("it has no data.alerts"));
    prometheus.close().await(10, TimeUnit.SECONDS);
    String away = answer("http://user:canary-secret-3f1@127.0.0.1:" + port, ".*");
    assertTrue(away.startsWith("Prometheus cannot be asked ("), away);
    assertFalse(away.contains("canary-secret-3f1"), away);
  }
}
