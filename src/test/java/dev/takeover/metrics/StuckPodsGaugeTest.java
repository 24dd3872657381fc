package dev.takeover.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** takeover_stuck_statefulset_pods{node}, fed with the dead-node watch's events, read as Prometheus reads it. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StuckPodsGaugeTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final TakeoverMeters meters = new TakeoverMeters(registry);

  static JsonObject event(String type, String node, int pods) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < pods; i++) {
      list.add(new JsonObject().put("pod", "default/db-" + i));
    }
    return new JsonObject().put("type", type).put("node", node).put("data", new JsonObject().put("pods", list));
  }

  @Test
  void a_down_node_counts_its_stuck_pods_and_goes_back_to_zero_when_it_recovers() {
    assertFalse(Scrape.parse(registry.scrape()).has("takeover_stuck_statefulset_pods"), "no series before a node is down");
    meters.onNodeEvent(event("node.down", "n2", 3));
    meters.onNodeEvent(event("node.down", "n3", 1));
    Scrape s = Scrape.parse(registry.scrape());
    assertEquals(3.0, s.value("takeover_stuck_statefulset_pods", "node", "n2"));
    assertEquals(1.0, s.value("takeover_stuck_statefulset_pods", "node", "n3"));

    meters.onNodeEvent(event("node.recovered", "n2", 3));
    s = Scrape.parse(registry.scrape());
    assertEquals(0.0, s.value("takeover_stuck_statefulset_pods", "node", "n2"), "kept at 0, not removed");
    assertEquals(1.0, s.value("takeover_stuck_statefulset_pods", "node", "n3"));
  }

  @Test
  void a_replica_that_stops_acting_drops_what_its_watch_last_said_to_zero() {
    meters.onNodeEvent(event("node.down", "n2", 2));
    meters.onNodeEvent(new JsonObject().put("type", "nodes.partitioned").put("node", "")
        .put("data", new JsonObject().put("down", new JsonArray().add("n2").add("n3")).put("total", 3)));
    Scrape before = Scrape.parse(registry.scrape());
    assertEquals(2.0, before.value("takeover_stuck_statefulset_pods", "node", "n2"));
    assertEquals(1.0, before.value("takeover_recovery_held"));

    meters.actingStopped(); // deposed: the node may recover while another replica watches it
    Scrape after = Scrape.parse(registry.scrape());
    assertEquals(0.0, after.value("takeover_stuck_statefulset_pods", "node", "n2"), after.lines("takeover_"));
    assertEquals(0.0, after.value("takeover_nodes_down"));
    assertEquals(0.0, after.value("takeover_recovery_held"));
  }

  @Test
  void an_event_without_a_node_or_of_another_type_changes_nothing() {
    meters.onNodeEvent(new JsonObject().put("type", "node.down"));
    meters.onNodeEvent(event("node.exploded", "n2", 1));
    assertFalse(Scrape.parse(registry.scrape()).has("takeover_stuck_statefulset_pods"));
  }
}
