package dev.takeover.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dead-node watch's series: {@code takeover_stuck_statefulset_pods{node}}, and the partition guard's
 * {@code takeover_nodes_down} and {@code takeover_recovery_held}. Part of {@link TakeoverMeters}, which feeds it.
 * Thread-safe: events arrive on the subscriber's context, scrapes read the gauges from the HTTP server's.
 */
final class NodeMeters {
  private final MeterRegistry registry;
  /** StatefulSet pods stuck on each node reported down; a recovered node's series stays, at 0. */
  private final Map<String, AtomicInteger> stuck = new ConcurrentHashMap<>();
  private final AtomicInteger down = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();

  NodeMeters(MeterRegistry registry) {
    this.registry = registry;
    // Zero from the start, as the other gauges: an alert on held == 1 needs the series before its first change.
    Gauge.builder("takeover_nodes_down", down, AtomicInteger::get)
        .description("Nodes down now in the partition guard's sense: not Ready and Lease not renewed, with or"
            + " without StatefulSet pods, no grace")
        .register(registry);
    Gauge.builder("takeover_recovery_held", held, AtomicInteger::get)
        .description("1 while more than deadNodes.maxDownShare of the nodes are down (a partition or a"
            + " control-plane problem is likelier): no node is recovered; else 0")
        .register(registry);
  }

  /**
   * A dead-node event: {@code node.down} sets the node's stuck pods, {@code node.recovered} sets 0;
   * {@code nodes.partitioned} and {@code nodes.partition-over} set the guard's gauges. Other types change nothing.
   */
  void onNodeEvent(JsonObject e) {
    try {
      count(e);
    } catch (RuntimeException bad) {
      // A field of the wrong type (not ours: the watch publishes lists and strings) changes no gauge.
    }
  }

  private void count(JsonObject e) {
    String type = e.getString("type", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    switch (type) {
      case "nodes.partitioned", "nodes.partition-over" -> guard(data.getJsonArray("down", new JsonArray()).size(),
          "nodes.partitioned".equals(type));
      case "node.down", "node.recovered" -> {
        String node = e.getString("node");
        if (node != null && !node.isEmpty()) {
          stuck(node).set("node.down".equals(type) ? data.getJsonArray("pods", new JsonArray()).size() : 0);
        }
      }
      default -> { }
    }
  }

  /** What the partition guard sees now ({@code DeadNodeWatch.GUARD}'s answer); ignored before it has synced. */
  void onGuard(JsonObject answer) {
    try {
      if (answer != null && answer.getBoolean("synced", false)) {
        guard(answer.getJsonArray("down", new JsonArray()).size(), answer.getBoolean("held", false));
      }
    } catch (RuntimeException bad) {
      // As above: an answer of the wrong shape is not counted.
    }
  }

  private void guard(int nodesDown, boolean recoveryHeld) {
    down.set(nodesDown);
    held.set(recoveryHeld ? 1 : 0);
  }

  /**
   * This replica stopped acting: its dead-node watch is gone, so what it last said is no longer followed. Every
   * series goes to 0 (kept, as a recovered node's): an alert that takes the max over replicas must not fire for ever
   * on a deposed replica's last word about a node that has recovered since; the leader's own series say what holds.
   */
  void actingStopped() {
    stuck.values().forEach(n -> n.set(0));
    guard(0, false);
  }

  /** Node names are bounded by the cluster's nodes that ever went down in this process. */
  /** A recovery succeeded on {@code node}: its StatefulSet pods run elsewhere, the series goes to 0 (if it exists). */
  void podsMoved(String node) {
    AtomicInteger n = stuck.get(node);
    if (n != null) {
      n.set(0);
    }
  }

  private AtomicInteger stuck(String node) {
    return stuck.computeIfAbsent(node, n -> {
      AtomicInteger value = new AtomicInteger();
      Gauge.builder("takeover_stuck_statefulset_pods", value, AtomicInteger::get)
          .description("StatefulSet pods stuck on a node that is down (not Ready past deadNodes.grace, Lease not"
              + " renewed); 0 once it recovered")
          .tag("node", n).strongReference(true).register(registry);
      return value;
    });
  }
}
