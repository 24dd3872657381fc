package dev.takeover.scenarios;

import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CordonOwnershipTest extends ScenarioBase {

  @Test
  void a_node_someone_else_cordoned_is_still_cordoned_after_the_run() {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    scene.setUnschedulable(node, true);
    try {
      EngineHarness.Result result;
      try (EngineHarness takeover = new EngineHarness(cluster)) {
        result = takeover.takeover(node, Ticket.Options.defaults());
      }
      assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
      assertEquals(Outcome.NodeState.CORDONED, result.outcome().nodeLeft());
      Node after = scene.node(node);
      assertEquals(Boolean.TRUE, after.getSpec().getUnschedulable());
      assertNull(NodeRecord.read(after), "Takeover's record is gone, the other cordon stays");
      assertEquals(1, result.outcome().moves().size());
    } finally {
      scene.setUnschedulable(node, false);
    }
  }

  @Test
  void a_node_kept_cordoned_for_the_maintenance_is_released_by_a_release_ticket() {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      EngineHarness.Result kept = takeover.takeover(node, Ticket.Options.defaults().withKeepCordoned(true));
      assertEquals(Outcome.Status.SUCCEEDED, kept.outcome().status(), kept.outcome().reason());
      assertEquals(Outcome.NodeState.CORDONED, kept.outcome().nodeLeft());
      NodeRecord record = NodeRecord.read(scene.node(node));
      assertEquals(NodeRecord.HELD, record.step());
      assertTrue(record.cordonedByTakeover());

      EngineHarness.Result released = takeover.submit(Ticket.release(node, "test", "scenario", "maintenance over"));
      assertEquals(Outcome.Status.SUCCEEDED, released.outcome().status(), released.outcome().reason());
      Node after = scene.node(node);
      assertTrue(after.getSpec().getUnschedulable() == null || !after.getSpec().getUnschedulable());
      assertNull(NodeRecord.read(after));
    }
  }

  @Test
  void a_run_cut_off_after_its_cordon_is_taken_over_and_its_node_uncordoned() {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    // What a daemon that died during the drain leaves behind: its cordon and its record.
    NodeRecord crashed = new NodeRecord("run-dead", "tk-dead", "drain", true, "alice", java.time.Instant.now());
    StringBuilder annotations = new StringBuilder();
    crashed.annotations().forEach((k, v) -> annotations.append(annotations.length() == 0 ? "" : ",")
        .append('"').append(k).append("\":\"").append(v).append('"'));
    scene.k.nodes().withName(node).patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{" + annotations + "}},\"spec\":{\"unschedulable\":true}}");
    try {
      EngineHarness.Result result;
      try (EngineHarness takeover = new EngineHarness(cluster)) {
        result = takeover.takeover(node, Ticket.Options.defaults());
      }
      assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
      assertTrue(result.ofType("takeover.warning").stream().anyMatch(w -> w.getString("message")
          .contains("run run-dead (ticket tk-dead) stopped at step drain without finishing")));
      // The cordon was Takeover's own (the record says so), so it is lifted at the end.
      assertEquals(Outcome.NodeState.SCHEDULABLE, result.outcome().nodeLeft());
      Node after = scene.node(node);
      assertTrue(after.getSpec().getUnschedulable() == null || !after.getSpec().getUnschedulable());
      assertNull(NodeRecord.read(after));
    } finally {
      scene.restore(node);
    }
  }

  @Test
  void a_release_never_uncordons_a_node_that_takeover_did_not_cordon() {
    String node = scene.workers().get(0);
    scene.setUnschedulable(node, true);
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      EngineHarness.Result released = takeover.submit(Ticket.release(node, "test", "scenario", ""));
      assertEquals(Outcome.Status.REFUSED, released.outcome().status());
      assertTrue(released.outcome().reason().contains("cordoned by someone else"), released.outcome().reason());
      assertEquals(Boolean.TRUE, scene.node(node).getSpec().getUnschedulable());
    } finally {
      scene.setUnschedulable(node, false);
    }
  }
}
