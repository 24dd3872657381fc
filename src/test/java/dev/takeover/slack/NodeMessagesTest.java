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

  static JsonObject partition(String type, int down, int total) {
    JsonArray names = new JsonArray();
    for (int i = 1; i <= down; i++) {
      names.add(String.format("kube-node%02d", i));
    }
    return new JsonObject().put("type", type).put("node", "").put("time", "2026-12-02T10:05:01Z")
        .put("data", new JsonObject().put("down", names).put("total", total).put("maxDownShare", 1.0 / 3)
            .put("reason", "…"));
  }

  @Test
  void a_partition_says_how_many_are_down_that_takeover_recovers_none_and_until_when() {
    String text = NodeMessages.forEvent(partition("nodes.partitioned", 2, 3)).encode();
    assertTrue(text.contains(":warning: 2 of 3 nodes are down at once, more than deadNodes.maxDownShare (33%)"), text);
    assertTrue(text.contains("Takeover recovers none until at most 1 of 3 are down"), text);
    assertTrue(text.contains("Down: `kube-node01`, `kube-node02`"), text);
  }

  @Test
  void a_partition_of_many_nodes_lists_twenty_and_counts_the_rest() {
    String text = NodeMessages.forEvent(partition("nodes.partitioned", 500, 1000)).encode();
    assertTrue(text.contains("500 of 1000 nodes") && text.contains("at most 333 of 1000"), text);
    assertTrue(text.contains("`kube-node20` and 480 more") && !text.contains("kube-node21"), text);
  }

  @Test
  void the_end_of_a_partition_says_recovery_follows_the_policy_again() {
    String text = NodeMessages.forEvent(partition("nodes.partition-over", 1, 3)).encode();
    assertTrue(text.contains("1 of 3 nodes down now, not more than deadNodes.maxDownShare (33%)"), text);
    assertTrue(text.contains("recovery follows deadNodes.policy again"), text);
    assertNull(NodeMessages.forEvent(partition("nodes.sideways", 1, 3)));
  }

  @Test
  void a_removed_taint_names_the_node_and_the_recover_ticket() {
    JsonObject event = new JsonObject().put("type", "node.taint-removed").put("node", "kube-node02")
        .put("time", "2026-12-02T11:00:00Z").put("data", new JsonObject().put("ticket", "t-<7>")
            .put("reason", "Ready again"));
    String text = NodeMessages.forEvent(event).encode();
    assertTrue(text.contains("Node `kube-node02` is back: Takeover removed its out-of-service taint"), text);
    assertTrue(text.contains("recover ticket `t-&lt;7&gt;`"), text);
    assertTrue(text.contains("Ready again"), text);
  }
}
