package dev.takeover.cluster;

import dev.takeover.engine.NodeRecord;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which of Takeover's records make a node "under a maintenance", so never dead: a run working on it, or holding it
 * drained. A run that failed and left the node cordoned for a human (a PDB held mysql-0 there) follows it no more:
 * if that node dies, mysql-0 is stuck like on any other.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeViewsTest {

  static Node nodeAtStep(String step) {
    NodeRecord r = new NodeRecord("run-1", "CHG-1", step, true, "alice", Instant.parse("2026-12-03T10:00:00Z"));
    return new NodeBuilder().withNewMetadata().withName("kube-node02").withAnnotations(r.annotations()).endMetadata()
        .withNewSpec().withUnschedulable(true).endSpec().build();
  }

  @Test
  void a_node_whose_run_drains_it_or_holds_it_drained_is_under_maintenance() {
    assertTrue(NodeViews.view(nodeAtStep("drain")).maintenance());
    assertTrue(NodeViews.view(nodeAtStep(NodeRecord.HELD)).maintenance());
  }

  @Test
  void a_node_left_cordoned_by_a_failed_run_is_not_under_maintenance_so_its_death_is_told() {
    assertFalse(NodeViews.view(nodeAtStep(NodeRecord.FAILED)).maintenance());
    assertFalse(NodeViews.view(new NodeBuilder().withNewMetadata().withName("n").endMetadata().build()).maintenance());
  }
}
