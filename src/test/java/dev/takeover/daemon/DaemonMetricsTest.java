package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.metrics.Scrape;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's ticket run by the daemon, then Prometheus' view of it: {@code /metrics} scraped over real HTTP, each
 * series and its value as the run's CloudEvents tell the same story; then a drain that holds the node cordoned and
 * the release that ends the hold, seen in the cordoned-nodes gauge.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonMetricsTest {
  static final Duration BOUND = Duration.ofSeconds(90);
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void after_the_seed_ticket_and_a_bad_record_the_metrics_tell_what_happened() {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("m"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, "canary-metrics-token"));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
      String url = "http://127.0.0.1:" + d.daemon.httpPort() + "/metrics";
      Scrape idle = Scrape.get(http, url);
      assertEquals(0.0, idle.value("takeover_runs_in_progress"), idle.lines("takeover_"));
      assertEquals(0.0, idle.value("takeover_evictions_total", "result", "ok"), "present from the start");

      d.publish("kube-node02", """
          { "id": "CHG-1042", "action": "takeover", "node": "kube-node02",
            "requestedBy": "alice", "reason": "replace disk" }""");
      List<CloudEvent> events = d.awaitEvent("CHG-1042", type("completed").or(type("failed")), BOUND);
      assertEquals("completed", types(events).get(types(events).size() - 1), types(events).toString());
      long evicted = events.stream().filter(type("pod"))
          .filter(e -> "takeover.pod.evicted".equals(data(e).getString("type"))).count();
      assertTrue(evicted >= 1, types(events).toString());
      d.publish("kube-node02", "{ nope");
      d.deadLetters(1, BOUND);

      Scrape s = Scrape.await(http, url, x -> x.value("takeover_dead_letters_total", "code", "not-json") == 1.0
          && x.value("takeover_tickets_total", "source", "kafka", "result", "completed") == 1.0
          && !x.has("takeover_node_cordoned")
          && x.value("takeover_notifications_total", "channel", "kubernetes-event", "result", "sent") >= 4, BOUND);
      String mine = s.lines("takeover_");
      assertEquals(1.0, s.value("takeover_tickets_total", "source", "kafka", "result", "accepted"), mine);
      assertEquals(1.0, s.value("takeover_tickets_total", "source", "kafka", "result", "completed"), mine);
      assertEquals(1.0, s.value("takeover_tickets_total", "source", "kafka", "result", "rejected"), mine);
      assertEquals(1.0, s.value("takeover_dead_letters_total", "code", "not-json"), mine);
      assertEquals(1.0, s.value("takeover_statefulset_pods_confirmed_total"), mine);
      assertEquals((double) evicted, s.value("takeover_evictions_total", "result", "ok"), mine);
      assertEquals(0.0, s.value("takeover_evictions_total", "result", "pdb_blocked"), mine);
      for (String step : List.of("plan", "cordon", "drain", "confirm", "uncordon")) {
        assertEquals(1.0, s.value("takeover_step_duration_seconds_count", "step", step), step + "\n" + mine);
        assertEquals(1.0, s.value("takeover_step_duration_seconds_bucket", "step", step, "le", "3600.0"), step);
      }
      assertEquals(1.0, s.value("takeover_run_duration_seconds_count", "outcome", "succeeded"), mine);
      assertEquals(0.0, s.value("takeover_runs_in_progress"), mine);
      assertEquals(1.0, s.value("takeover_pod_eviction_to_ready_seconds_count"), mine);
      assertEquals(1.0, s.value("takeover_pod_ready_to_confirmed_seconds_count"), "the engine says when it was Ready");
      // The Events written on kube-node02 (cordoned, evicted, confirmed, uncordoned…) count as notifications.
      assertTrue(s.value("takeover_notifications_total", "channel", "kubernetes-event", "result", "sent") >= 4, mine);
      assertTrue(s.value("takeover_pod_ready_to_confirmed_seconds_sum") < 60, mine);
      assertFalse(s.has("takeover_node_cordoned"), "uncordoned: the series is gone\n" + mine);
      assertEquals(0.0, s.value("takeover_watches_failing"), mine);
      assertTrue(s.value("takeover_http_requests_total", "route", "/metrics", "method", "GET", "status", "200") >= 1, mine);
      assertFalse(s.text().contains("mysql-0"), "no pod names");

      // A drain holds the node cordoned until its release: the gauge shows the hold, and goes with it.
      d.publish("kube-node02", """
          { "id": "DRAIN-1", "action": "drain", "node": "kube-node02", "requestedBy": "alice" }""");
      d.awaitEvent("DRAIN-1", type("completed").or(type("failed")), BOUND);
      Scrape held = Scrape.await(http, url, x -> x.value("takeover_node_cordoned", "node", "kube-node02") == 1.0, BOUND);
      assertEquals(1.0, held.value("takeover_node_cordoned", "node", "kube-node02"), held.lines("takeover_node"));
      assertFalse(held.has("takeover_node_cordoned", "node", "kube-node01"), held.lines("takeover_node"));

      d.publish("kube-node02", """
          { "id": "RELEASE-1", "action": "release", "node": "kube-node02", "requestedBy": "alice" }""");
      d.awaitEvent("RELEASE-1", type("completed").or(type("failed")), BOUND);
      Scrape released = Scrape.await(http, url, x -> !x.has("takeover_node_cordoned")
          && x.value("takeover_tickets_total", "source", "kafka", "result", "completed") == 3.0, BOUND);
      assertFalse(released.has("takeover_node_cordoned"), released.lines("takeover_node"));
      assertEquals(3.0, released.value("takeover_tickets_total", "source", "kafka", "result", "completed"),
          "the drain counted once though its release completes it again\n" + released.lines("takeover_tickets"));
      assertEquals(0.0, released.value("takeover_runs_in_progress"));
    }
  }

  @Test
  void a_run_halted_by_the_stop_is_no_longer_reported_in_progress_by_this_replica() {
    String id = TestBroker.unique("halted");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast());
         DaemonUnderTest d = new DaemonUnderTest(cluster, DaemonUnderTest.config(TestBroker.unique("mh"), 1))) {
      String node = SeedScene.mysqlNode(cluster);
      SeedScene.blockEviction(cluster);
      d.publish(node, SeedScene.ticket(id, "takeover", node, "alice", ""));
      d.awaitEvent(id, SeedScene.engine("takeover.pod.eviction-blocked"), Duration.ofSeconds(60));
      io.micrometer.core.instrument.MeterRegistry registry = d.daemon.metrics().registry();
      assertEquals(1.0, registry.get("takeover_runs_in_progress").gauge().value());
      assertTrue(registry.get("takeover_step_in_progress_seconds").tag("step", "drain").gauge().value() >= 0.0);

      d.stopDaemon(); // as SIGTERM, or a step-down: the run halts, resumable, with no end event

      // The next leader (or start) resumes and reports it; here it would be in progress for ever, and a "stuck in
      // a step" alert on the max over the replicas would fire on a drain that goes on elsewhere.
      assertEquals(0.0, registry.get("takeover_runs_in_progress").gauge().value());
      assertTrue(registry.find("takeover_step_in_progress_seconds").gauges().stream().allMatch(g -> g.value() == 0.0),
          Scrape.parse(d.daemon.metrics().registry().scrape()).lines("takeover_step_in_progress_seconds"));
    }
  }
}
