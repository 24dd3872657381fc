package dev.takeover.scenarios;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A daemon cut off right after its recovery tainted the node (kill -9, a lost leader): the node says what it did —
 * the taint, the marker naming the ticket, the StatefulSet pods to confirm. The same ticket run again by the next
 * daemon does not decide or fence again (the decision and the fence were made); it lets the pods go if they are still
 * there and confirms them Ready elsewhere.
 */
class RecoveryResumeTest extends ScenarioBase {
  static final String DEAD = DeadNodeRecoveryTest.DEAD;

  @Test
  void a_recovery_cut_off_after_its_taint_is_taken_up_from_the_node_and_confirmed() {
    Assumptions.assumeTrue(cluster.simulated(), "a node can only be stopped on the simulated cluster");
    Clusters.Simulated sim = (Clusters.Simulated) cluster;
    String pv = seedMysqlOn(DEAD);
    Pod mysql = sim.client().pods().inNamespace(scene.ns).withName("mysql-0").get();
    Ticket ticket = new Ticket("REC-cut-1", DEAD, Ticket.Kind.RECOVER, Ticket.Options.defaults().withPoweredOff(true),
        "kafka", "alice", "PSU failed", null, null);
    sim.sim.stopNode(DEAD);
    dev.takeover.sim.Await.await(DEAD + " NotReady", Duration.ofSeconds(20),
        () -> !DeadNodeRecoveryTest.ready(sim.client().nodes().withName(DEAD).get()));
    // What the first daemon wrote in its taint step before it was cut off.
    String confirm = new JsonArray().add(new JsonObject().put("pod", scene.ns + "/mysql-0")
        .put("uid", mysql.getMetadata().getUid())
        .put("claims", new JsonArray().add(new JsonObject().put("claim", "pvc-mysql-0").put("volume", pv)))).encode();
    sim.client().nodes().withName(DEAD).edit(n -> {
      n.getSpec().getTaints().add(new TaintBuilder().withKey("node.kubernetes.io/out-of-service").withValue("nodeshutdown")
          .withEffect("NoExecute").build());
      n.getMetadata().getAnnotations().put(NodeRecord.OUT_OF_SERVICE, ticket.id());
      n.getMetadata().getAnnotations().put(NodeRecord.CONFIRM, confirm);
      return n;
    });

    // The next daemon: no fencing hook, the ticket run again with the same id.
    RecoveryConfig manual = DeadNodeRecoveryTest.MANUAL;
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(manual, null))) {
      EngineHarness.Result r = h.submit(ticket);

      assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
      assertEquals(1, r.outcome().moves().size());
      assertEquals("kube-node01", r.outcome().moves().get(0).toNode());
      assertEquals(pv, r.outcome().moves().get(0).claims().get(0).volume());
      String plan = r.ofType("takeover.step.finished").get(0).getString("summary");
      assertTrue(plan.startsWith("resumed after its taint: 1 StatefulSet pod(s) to confirm"), plan);
      List<String> steps = r.ofType("takeover.step.finished").stream().map(e -> e.getString("step")).toList();
      assertEquals(List.of("plan", "taint", "confirm"), steps);
      Node node = sim.client().nodes().withName(DEAD).get();
      assertNull(node.getMetadata().getAnnotations().get(NodeRecord.CONFIRM), "confirmed: the list is erased");
      assertEquals(ticket.id(), node.getMetadata().getAnnotations().get(NodeRecord.OUT_OF_SERVICE), "the taint stays");
    } finally {
      sim.sim.startNode(DEAD);
    }
  }
}
