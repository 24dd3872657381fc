package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel's messages for a node that went down and came back. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeMessagesTest {
  static JsonObject event(String type) {
    return new JsonObject().put("type", type).put("node", "kube-node02").put("time", "2026-12-02T10:05:01Z")
        .put("data", new JsonObject().put("reason", "Ready Unknown <since> 10:00").put("pods", new JsonArray()
            .add(new JsonObject().put("pod", "default/mysql-0").put("claims", new JsonArray()
                .add(new JsonObject().put("claim", "pvc-mysql-0").put("volume", "pv1"))))));
  }

  @Test
  void node_down_names_the_node_each_stuck_pod_with_its_claim_and_volume_and_says_nothing_was_changed() {
    String text = NodeMessages.forEvent(event("node.down")).encode();
    assertTrue(text.contains("Node `kube-node02` is down"), text);
    assertTrue(text.contains("`default/mysql-0`") && text.contains("pvc-mysql-0 → pv1"), text);
    assertTrue(text.contains("changed nothing"), text);
    assertTrue(text.contains("Ready Unknown &lt;since&gt; 10:00"), "escaped for mrkdwn: " + text);
  }

  @Test
  void node_recovered_is_one_line_and_other_types_are_not_told() {
    String text = NodeMessages.forEvent(event("node.recovered")).encode();
    assertTrue(text.contains("Node `kube-node02` recovered"), text);
    assertNull(NodeMessages.forEvent(event("node.sideways")));
  }
}
