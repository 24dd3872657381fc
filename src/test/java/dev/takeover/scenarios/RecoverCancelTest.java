package dev.takeover.scenarios;

import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.sim.Await;
import dev.takeover.sim.SimController;
import dev.takeover.sim.SimTiming;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recovery cancelled while it waits for pod GC (a cluster whose pod GC ignores the taint, so mysql-0 stays): the
 * force delete that would follow the wait is a write, and a cancelled run writes nothing more. mysql-0 is left as it
 * was (same uid, on the dead node), the run ends cancelled and says the taint stays until the node is back.
 */
class RecoverCancelTest extends ScenarioBase {
  static final String DEAD = DeadNodeRecoveryTest.DEAD;

  @Test
  void a_recovery_cancelled_during_pod_gc_s_wait_force_deletes_nothing() {
    Assumptions.assumeTrue(TestCluster.realKubeconfig() == null, "a node can only be stopped on the simulated cluster");
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(SimTiming.fast(), SimController.POD_GC);
         Scene s = Scene.in(sim, "recover-cancel")) {
      String pv = s.volumeName("pv1");
      s.volume(pv, "1Gi", "pvc-mysql-0", null).headlessService("mysql", "mysql-sts", 3306)
          .placedOn(DEAD, 1, () -> s.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
      try (EngineHarness h = new EngineHarness(sim, c -> c,
          new Engine.Recovering(DeadNodeRecoveryTest.MANUAL.withPodGcWait(Duration.ofSeconds(4)), null))) {
        sim.sim.stopNode(DEAD);
        Await.await(DEAD + " NotReady", Duration.ofSeconds(20),
            () -> !DeadNodeRecoveryTest.ready(sim.client().nodes().withName(DEAD).get()));
        Pod before = sim.client().pods().inNamespace(s.ns).withName("mysql-0").get();
        assertEquals(DEAD, before.getSpec().getNodeName());

        Ticket t = Ticket.recover(DEAD, true, "test", "alice", "the node stopped answering");
        Future<Outcome> outcome = h.engine.submit(t);
        // The taint is written: the run now waits for pod GC, which never comes on this cluster.
        Await.await("the out-of-service taint on " + DEAD, Duration.ofSeconds(20),
            () -> DeadNodeRecoveryTest.outOfService(sim.client().nodes().withName(DEAD).get()) != null);
        String run = h.events.stream().filter(e -> t.id().equals(e.getString("ticket"))
            && "takeover.run.started".equals(e.getString("type"))).map(e -> e.getString("run")).findFirst().orElseThrow();
        assertTrue(EngineHarness.await(h.engine.cancel(run, "the operator changed their mind"), Duration.ofSeconds(5)));

        Outcome out = EngineHarness.await(outcome, Duration.ofSeconds(30));
        assertEquals(Outcome.Status.CANCELLED, out.status(), out.reason());
        assertTrue(out.reason().contains("the out-of-service taint stays"), out.reason());
        assertTrue(out.reason().startsWith("cancelled before force-deleting " + s.ns + "/mysql-0: the operator"),
            "said once, where it stopped (the taint is written): " + out.reason());
        Pod after = sim.client().pods().inNamespace(s.ns).withName("mysql-0").get();
        assertNotNull(after, "mysql-0 was force-deleted after the cancel");
        assertEquals(before.getMetadata().getUid(), after.getMetadata().getUid(), "not deleted and made again");
        assertFalse(h.events.stream().filter(e -> run.equals(e.getString("run"))).map(JsonObject::encode)
            .anyMatch(e -> e.contains("force-deleted")), "no force delete told");
        assertNull(h.events.stream().filter(e -> run.equals(e.getString("run"))
            && "takeover.step.started".equals(e.getString("type")) && "confirm".equals(e.getString("step")))
            .findFirst().orElse(null), "no confirm step after the cancel");
        sim.sim.startNode(DEAD); // its kubelet ends mysql-0 when the scene's namespace goes
      }
    }
  }
}
