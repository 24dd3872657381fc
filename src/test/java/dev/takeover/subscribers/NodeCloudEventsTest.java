package dev.takeover.subscribers;

import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A node event of the dead-node watch as the CloudEvent a consumer of the events topic reads. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeCloudEventsTest {
  @Test
  void node_down_becomes_dev_takeover_node_down_about_the_node_with_its_data() {
    JsonObject data = new JsonObject().put("pods", new JsonArray().add(new JsonObject().put("pod", "default/mysql-0")))
        .put("notReadySince", "2026-12-02T10:00:00Z").put("leaseRenewedAt", null).put("reason", "r");
    CloudEvent e = CloudEvents.nodeEvent(new JsonObject().put("type", "node.down").put("node", "kube-node02")
        .put("time", "2026-12-02T10:05:01Z").put("data", data), CloudEvents.source("t-0"), () -> "id-1");
    assertEquals("dev.takeover.node.down", e.getType());
    assertEquals("kube-node02", e.getSubject());
    assertEquals("/takeover/t-0", e.getSource().toString());
    assertEquals("id-1", e.getId());
    assertEquals("2026-12-02T10:05:01Z", e.getTime().toInstant().toString());
    JsonObject read = new JsonObject(new String(e.getData().toBytes(), StandardCharsets.UTF_8));
    assertEquals(data.copy().put("node", "kube-node02"), read);
  }

  @Test
  void a_message_without_a_node_or_not_a_node_event_is_refused() {
    assertThrows(IllegalArgumentException.class, () -> CloudEvents.nodeEvent(new JsonObject().put("type", "node.down")
        .put("time", "2026-12-02T10:05:01Z"), CloudEvents.source("t"), () -> "x"));
    assertThrows(IllegalArgumentException.class, () -> CloudEvents.nodeEvent(new JsonObject().put("type", "completed")
        .put("node", "n").put("time", "2026-12-02T10:05:01Z"), CloudEvents.source("t"), () -> "x"));
  }

  @Test
  void a_partition_is_about_no_single_node_no_subject_and_keyed_by_all_nodes() {
    JsonObject data = new JsonObject().put("down", new JsonArray().add("kube-node01").add("kube-node02"))
        .put("total", 3).put("maxDownShare", 1.0 / 3).put("reason", "2 of 3 nodes are down");
    JsonObject event = new JsonObject().put("type", "nodes.partitioned").put("node", "")
        .put("time", "2026-12-02T10:05:01Z").put("data", data);
    CloudEvent e = CloudEvents.nodeEvent(event, CloudEvents.source("t-0"), () -> "id-2");
    assertEquals("dev.takeover.nodes.partitioned", e.getType());
    assertNull(e.getSubject());
    assertEquals(data, new JsonObject(new String(e.getData().toBytes(), StandardCharsets.UTF_8)), "no node put in");
    assertEquals("cluster/nodes", CloudEvents.nodeEventKey(event));
    assertEquals("dev.takeover.nodes.partition-over", CloudEvents.nodeEvent(event.copy()
        .put("type", "nodes.partition-over"), CloudEvents.source("t-0"), () -> "id-3").getType());
  }

  @Test
  void a_removed_taint_is_about_its_node() {
    JsonObject event = new JsonObject().put("type", "node.taint-removed").put("node", "kube-node02")
        .put("time", "2026-12-02T11:00:00Z").put("data", new JsonObject().put("ticket", "t-7").put("reason", "r"));
    CloudEvent e = CloudEvents.nodeEvent(event, CloudEvents.source("t-0"), () -> "id-4");
    assertEquals("dev.takeover.node.taint-removed", e.getType());
    assertEquals("kube-node02", e.getSubject());
    assertEquals("kube-node02", CloudEvents.nodeEventKey(event));
    assertEquals("t-7", new JsonObject(new String(e.getData().toBytes(), StandardCharsets.UTF_8)).getString("ticket"));
  }
}
