package dev.takeover.subscribers;

import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
