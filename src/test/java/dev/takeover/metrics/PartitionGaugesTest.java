package dev.takeover.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * takeover_nodes_down and takeover_recovery_held, fed with the partition guard's events and its answers on
 * takeover.node.guard, read as Prometheus reads them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PartitionGaugesTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final TakeoverMeters meters = new TakeoverMeters(registry);

  static JsonArray names(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add("w" + i);
    }
    return a;
  }

  static JsonObject event(String type, int down) {
    return new JsonObject().put("type", type).put("node", "")
        .put("data", new JsonObject().put("down", names(down)).put("total", 3).put("maxDownShare", 1.0 / 3));
  }

  static JsonObject guard(boolean synced, int down, boolean held) {
    return new JsonObject().put("synced", synced).put("down", names(down)).put("total", 3).put("held", held);
  }

  double value(String name) {
    return Scrape.parse(registry.scrape()).value(name);
  }

  @Test
  void both_exist_at_zero_before_anything_is_known() {
    assertEquals(0.0, value("takeover_nodes_down"));
    assertEquals(0.0, value("takeover_recovery_held"));
  }

  @Test
  void a_partition_holds_recovery_and_its_end_releases_it() {
    meters.onNodeEvent(event("nodes.partitioned", 2));
    assertEquals(2.0, value("takeover_nodes_down"));
    assertEquals(1.0, value("takeover_recovery_held"));
    meters.onNodeEvent(event("nodes.partition-over", 1));
    assertEquals(1.0, value("takeover_nodes_down"));
    assertEquals(0.0, value("takeover_recovery_held"));
  }

  @Test
  void the_guard_s_answer_keeps_the_count_of_nodes_down_without_a_partition() {
    meters.onNodeGuard(guard(true, 1, false));
    assertEquals(1.0, value("takeover_nodes_down"), "one node down: no event, the answer says it");
    meters.onNodeGuard(guard(false, 3, true));
    assertEquals(1.0, value("takeover_nodes_down"), "an answer before the watch listed everything is not taken");
    assertEquals(0.0, value("takeover_recovery_held"));
    meters.onNodeGuard(null);
    meters.onNodeEvent(new JsonObject().put("type", "node.taint-removed").put("node", "w1"));
    assertEquals(1.0, value("takeover_nodes_down"));
  }
}
