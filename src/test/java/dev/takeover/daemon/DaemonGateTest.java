package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.takeover.daemon.DaemonAlertmanagerTest.NMR;
import static dev.takeover.daemon.DaemonAlertmanagerTest.alert;
import static dev.takeover.daemon.DaemonAlertmanagerTest.ok;
import static dev.takeover.daemon.DaemonAlertmanagerTest.payload;
import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus gate, with a local HTTP server playing Prometheus' {@code /api/v1/alerts}: while it says an alert
 * fires, a ticket waits and says why; once none fires the run starts and completes; while Prometheus cannot be
 * asked, runs wait too.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonGateTest {
  static final String TOKEN = "canary-gate-token-77d0";
  static final Duration BOUND = Duration.ofSeconds(90);

  static String alerts(String... alerts) {
    return "{\"status\":\"success\",\"data\":{\"alerts\":[" + String.join(",", alerts) + "]}}";
  }

  static String promAlert(String name, String state) {
    return """
        {"labels":{"alertname":"%s","severity":"page"},"annotations":{},"state":"%s",
         "activeAt":"2026-03-01T10:00:00.60602144Z","value":"1e+00"}""".formatted(name, state);
  }

  @Test
  void a_firing_alert_in_prometheus_holds_the_run_and_says_which_then_the_run_starts_once_none_fires() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicReference<String> answer = new AtomicReference<>(alerts(
        promAlert("NodeMaintenanceRequired", "firing"), // the alert that asks for the run never holds it
        promAlert("KafkaUnderReplicatedPartitions", "firing"),
        promAlert("DiskWillFillIn4Hours", "pending")));
    ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();
    HttpServer prometheus = vertx.createHttpServer().requestHandler(req -> {
      asked.add(req.method() + " " + req.uri());
      req.response().putHeader("Content-Type", "application/json").end(answer.get());
    });
    int port = prometheus.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("gate"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, TOKEN))
        .withGate(new TriggerConfig.Gate("http://127.0.0.1:" + port, ".*", Duration.ofMillis(300)));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
      DaemonAlertmanagerTest client = new DaemonAlertmanagerTest();
      String url = "http://127.0.0.1:" + d.daemon.httpPort() + "/alertmanager";
      client.awaitReady("http://127.0.0.1:" + d.daemon.httpPort());

      HttpResponse<String> r = client.post(url, TOKEN, payload(alert("firing", NMR + ",\"node\":\"kube-node02\"",
          "6a7b8c9d0e1f2a3b", "2026-03-01T10:00:00Z", "disk")));
      String id = ok(r).getJsonArray("tickets").getJsonObject(0).getString("ticket");

      List<CloudEvent> held = d.awaitEvent(id, type("scheduled").and(e -> data(e).getString("reason", "")
          .contains("KafkaUnderReplicatedPartitions")), BOUND);
      String reason = data(held.get(held.size() - 1)).getString("reason");
      assertTrue(reason.startsWith("alert(s) firing in Prometheus hold new runs"), reason);
      assertFalse(reason.contains("NodeMaintenanceRequired"), reason);
      assertFalse(reason.contains("DiskWillFillIn4Hours"), "pending alerts do not hold: " + reason);
      assertFalse(reason.contains("127.0.0.1:" + port), "the URL is never shown: " + reason);

      // It keeps asking every interval, and holds the run meanwhile.
      int before = asked.size();
      Await.await("Prometheus asked again, 3 times", BOUND, () -> asked.size() >= before + 3);
      assertTrue(asked.stream().allMatch("GET /api/v1/alerts"::equals), asked.toString());
      List<String> meanwhile = types(d.awaitEvent(id, type("scheduled"), BOUND));
      assertFalse(meanwhile.contains("started"), meanwhile.toString());
      assertFalse(SeedScene.cordoned(cluster, "kube-node02"));

      answer.set(alerts(promAlert("NodeMaintenanceRequired", "firing")));
      List<CloudEvent> events = d.awaitEvent(id, type("completed").or(type("failed")), BOUND);
      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types.toString());
      assertEquals(1, types.stream().filter("started"::equals).count(), types.toString());
      assertEquals("kube-node01", SeedScene.mysqlNode(cluster));

      // Prometheus away: the gate fails closed and says so. Its last answer (open) is trusted for gate.interval, by
      // design (tickets evaluated together ask once): the next ticket comes once that answer is older, so that the
      // gate must ask the Prometheus that is gone (without this, a quick machine posted within the 0.3 s and ran).
      prometheus.close().await(10, TimeUnit.SECONDS);
      long gone = System.nanoTime();
      Await.await("the gate's last open answer older than gate.interval", BOUND,
          () -> System.nanoTime() - gone > 3 * Duration.ofMillis(300).toNanos());
      String next = ok(client.post(url, TOKEN, payload(alert("firing", NMR + ",\"node\":\"kube-node01\"",
          "6a7b8c9d0e1f2a3b", "2026-03-01T12:00:00Z", "disk")))).getJsonArray("tickets").getJsonObject(0).getString("ticket");
      List<CloudEvent> closed = d.awaitEvent(next, type("scheduled").and(e -> data(e).getString("reason", "")
          .startsWith("Prometheus cannot be asked")), BOUND);
      assertFalse(types(closed).contains("started"), types(closed).toString());
      assertFalse(SeedScene.cordoned(cluster, "kube-node01"));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
