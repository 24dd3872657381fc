package dev.takeover.scenarios;

import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import dev.takeover.engine.EvictedEarlier;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
  void a_run_cut_off_right_after_evicting_mysql_0_is_taken_over_and_mysql_0_confirmed_before_the_uncordon() {
    String node = scene.workers().get(0);
    String pv = seedMysqlOn(node);
    Pod old = scene.k.pods().inNamespace(scene.ns).withName("mysql-0").get();
    // What a run killed just after its eviction was accepted leaves behind: its cordon, its record with the pods it
    // had to confirm, and no other trace of the eviction (the daemon's state had not recorded it yet).
    NodeRecord crashed = new NodeRecord("run-dead", "tk-dead", "drain", true, "alice", java.time.Instant.now());
    Map<String, String> written = new HashMap<>(crashed.annotations());
    written.putAll(NodeRecord.toConfirm(List.of(new EvictedEarlier(new PodRef(scene.ns, "mysql-0",
        old.getMetadata().getUid()), node, List.of(new ClaimBinding("pvc-mysql-0", pv)), java.time.Instant.now()))));
    scene.k.nodes().withName(node).edit(n -> {
      if (n.getMetadata().getAnnotations() == null) {
        n.getMetadata().setAnnotations(new HashMap<>());
      }
      n.getMetadata().getAnnotations().putAll(written);
      n.getSpec().setUnschedulable(true);
      return n;
    });
    assertTrue(scene.k.pods().inNamespace(scene.ns).withName("mysql-0").evict(), "eviction accepted");
    scene.awaitPods(pods -> pods.stream().noneMatch(p -> old.getMetadata().getUid().equals(p.getMetadata().getUid())),
        "the evicted mysql-0 to be gone from " + node);
    try {
      EngineHarness.Result result;
      try (EngineHarness takeover = new EngineHarness(cluster)) {
        result = takeover.takeover(node, Ticket.Options.defaults());
      }
      assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
      // The new run's plan no longer sees mysql-0 on the node; the node's list still names it, so it is confirmed.
      assertEquals(1, result.outcome().moves().size(), "mysql-0 confirmed: " + result.outcome().moves());
      var move = result.outcome().moves().get(0);
      assertEquals("mysql-0", move.pod().name());
      assertEquals(node, move.fromNode());
      assertTrue(move.claims().contains(new ClaimBinding("pvc-mysql-0", pv)), move.claims().toString());
      assertEquals(Outcome.NodeState.SCHEDULABLE, result.outcome().nodeLeft());
      Node after = scene.node(node);
      assertNull(NodeRecord.read(after));
      assertTrue(after.getMetadata().getAnnotations() == null
          || !after.getMetadata().getAnnotations().containsKey(NodeRecord.CONFIRM), "the list is erased");
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
