package dev.takeover.scenarios;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.Outcome;
import dev.takeover.engine.PodMove;
import dev.takeover.sim.Await;
import dev.takeover.sim.SimController;
import dev.takeover.sim.SimTiming;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node stops with mysql-0 on it (seed §12.1 (4)): its StatefulSet makes no replacement while the old pod exists.
 * A recover ticket whose node is off (the requester says so, no fencing hook here) taints it out-of-service; pod GC
 * force-deletes mysql-0, which comes back Ready on the other worker with the same claim and volume; once the node is
 * Ready again, the taint goes. A node that runs is never tainted, whatever the ticket says; that part also runs on a
 * real cluster (the e2e profile), where no node can be stopped.
 */
class DeadNodeRecoveryTest extends ScenarioBase {
  static final String DEAD = "kube-node02";
  static final String OTHER = "kube-node01";
  static final RecoveryConfig MANUAL = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.MANUAL)
      .withRecoverAfter(Duration.ofSeconds(1)).withPodGcWait(Duration.ofSeconds(5));

  @Test
  void a_node_that_runs_is_never_tainted_whatever_the_ticket_says() {
    seedMysqlOn(DEAD);
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(MANUAL, null))) {
      Outcome out = h.submit(recover(DEAD, true)).outcome();

      assertEquals(Outcome.Status.REFUSED, out.status(), out.reason());
      assertTrue(out.reason().contains(DEAD + " is Ready") && out.reason().contains("not down"), out.reason());
      assertNull(outOfService(cluster.client().nodes().withName(DEAD).get()), "no taint on a node that runs");
      assertEquals(DEAD, mysql(cluster.client()).getSpec().getNodeName(), "mysql-0 left where it runs");
    }
  }

  @Test
  void under_the_notify_policy_a_recover_ticket_is_refused_and_nothing_changes() {
    seedMysqlOn(DEAD);
    try (EngineHarness h = new EngineHarness(cluster, c -> c, Engine.Recovering.NONE)) {
      Outcome out = h.submit(recover(DEAD, true)).outcome();

      assertEquals(Outcome.Status.REFUSED, out.status());
      assertTrue(out.reason().contains("policy of " + DEAD + " is notify"), out.reason());
      assertNull(outOfService(cluster.client().nodes().withName(DEAD).get()));
    }
  }

  @Test
  void a_stopped_node_is_recovered_on_request_and_its_taint_removed_when_it_is_back() {
    Clusters.Simulated sim = simulated();
    String pv = seedMysqlOn(DEAD);
    String oldUid = mysql(sim.client()).getMetadata().getUid();
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(MANUAL, null))) {
      sim.sim.stopNode(DEAD);
      awaitDown(sim.client());

      Ticket ticket = recover(DEAD, true);
      EngineHarness.Result r = h.submit(ticket);

      Outcome out = r.outcome();
      assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
      assertEquals(Outcome.NodeState.OUT_OF_SERVICE, out.nodeLeft());
      assertEquals(1, out.moves().size());
      PodMove move = out.moves().get(0);
      assertEquals("mysql-0", move.pod().name());
      assertEquals(DEAD, move.fromNode());
      assertEquals(OTHER, move.toNode());
      assertEquals("pvc-mysql-0", move.claims().get(0).claim());
      assertEquals(pv, move.claims().get(0).volume());
      Pod now = mysql(sim.client());
      assertNotEquals(oldUid, now.getMetadata().getUid());
      assertEquals(OTHER, now.getSpec().getNodeName());
      Node dead = sim.client().nodes().withName(DEAD).get();
      assertEquals("nodeshutdown", outOfService(dead).getValue());
      assertEquals(ticket.id(), dead.getMetadata().getAnnotations().get(NodeRecord.OUT_OF_SERVICE),
          "the marker names the recover ticket");
      List<String> steps = r.ofType("takeover.step.finished").stream().map(e -> e.getString("step")).toList();
      assertEquals(List.of("plan", "taint", "confirm"), steps, "no fencing hook: the requester's word is the evidence");

      Engine.OutOfServiceEnd early = EngineHarness.await(h.engine.endOutOfService(DEAD), Duration.ofSeconds(10));
      assertFalse(early.removed(), "not while the node is down: " + early.reason());

      sim.sim.startNode(DEAD);
      Await.await(DEAD + " Ready again, its Lease renewed", Duration.ofSeconds(20),
          () -> ready(sim.client().nodes().withName(DEAD).get()) && leaseRenewed(sim.client(), DEAD));
      Engine.OutOfServiceEnd end = EngineHarness.await(h.engine.endOutOfService(DEAD), Duration.ofSeconds(10));

      assertTrue(end.removed(), end.reason());
      Node back = sim.client().nodes().withName(DEAD).get();
      assertNull(outOfService(back));
      assertNull(back.getMetadata().getAnnotations().get(NodeRecord.OUT_OF_SERVICE));
    }
  }

  @Test
  void without_a_statement_that_the_node_is_off_nothing_is_tainted() {
    Clusters.Simulated sim = simulated();
    seedMysqlOn(DEAD);
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(MANUAL, null))) {
      sim.sim.stopNode(DEAD);
      awaitDown(sim.client());

      Outcome out = h.submit(recover(DEAD, false)).outcome();

      assertEquals(Outcome.Status.REFUSED, out.status());
      assertTrue(out.reason().contains("no evidence that " + DEAD + " is off"), out.reason());
      assertNull(outOfService(sim.client().nodes().withName(DEAD).get()));
      assertEquals(DEAD, mysql(sim.client()).getSpec().getNodeName(), "mysql-0 still stuck where it was");
    } finally {
      sim.sim.startNode(DEAD); // else the scene's namespace never goes: its pod stays Terminating on a dead node
    }
  }

  @Test
  void with_two_of_three_nodes_down_none_is_recovered() {
    Clusters.Simulated sim = simulated();
    seedMysqlOn(DEAD);
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(MANUAL, null))) {
      sim.sim.stopNode(DEAD);
      sim.sim.stopNode(OTHER);
      awaitDown(sim.client());
      Await.await(OTHER + " NotReady", Duration.ofSeconds(20), () -> !ready(sim.client().nodes().withName(OTHER).get()));

      Outcome out = h.submit(recover(DEAD, true)).outcome();

      assertEquals(Outcome.Status.REFUSED, out.status());
      assertTrue(out.reason().contains("2 of 3 nodes are down") && out.reason().contains("partition"), out.reason());
      assertNull(outOfService(sim.client().nodes().withName(DEAD).get()));
    } finally {
      sim.sim.startNode(DEAD);
      sim.sim.startNode(OTHER);
    }
  }

  @Test
  void on_a_cluster_whose_pod_gc_ignores_the_taint_the_stuck_pod_is_force_deleted() {
    Assumptions.assumeTrue(TestCluster.realKubeconfig() == null, "a node can only be stopped on the simulated cluster");
    // A cluster without NodeOutOfServiceVolumeDetach: the taint is written, and nothing deletes the pod.
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(SimTiming.fast(), SimController.POD_GC);
         Scene s = Scene.in(sim, "force-delete-fallback")) {
      String pv = s.volumeName("pv1");
      s.volume(pv, "1Gi", "pvc-mysql-0", null).headlessService("mysql", "mysql-sts", 3306)
          .placedOn(DEAD, 1, () -> s.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
      RecoveryConfig quickGc = MANUAL.withPodGcWait(Duration.ofSeconds(2));
      try (EngineHarness h = new EngineHarness(sim, c -> c, new Engine.Recovering(quickGc, null))) {
        sim.sim.stopNode(DEAD);
        awaitDown(sim.client(), s.ns);

        EngineHarness.Result r = h.submit(recover(DEAD, true));

        assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
        String taint = r.ofType("takeover.step.finished").stream().filter(e -> "taint".equals(e.getString("step")))
            .findFirst().orElseThrow().getString("summary");
        assertTrue(taint.contains("force-deleted " + s.ns + "/mysql-0"), taint);
        assertEquals(OTHER, sim.client().pods().inNamespace(s.ns).withName("mysql-0").get().getSpec().getNodeName());
      }
    }
  }

  @Test
  void the_run_tells_while_the_dead_node_still_holds_the_volume_and_when_it_lets_go() {
    Clusters.Simulated sim = simulated();
    // Force-deleted without the taint, a CSI volume stays attached to the dead node for maxWaitForUnmount (6 min on
    // Kubernetes, 3 s here) and the replacement waits with a Multi-Attach error: the run says so as it happens.
    String pv = scene.volumeName("ebs1");
    scene.csiVolume(pv, "1Gi", "pvc-mysql-0").headlessService("mysql", "mysql-sts", 3306)
        .placedOn(DEAD, 1, () -> scene.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
    RecoveryConfig forceOnly = MANUAL.withOutOfServiceTaint(false);
    try (EngineHarness h = new EngineHarness(cluster, c -> c, new Engine.Recovering(forceOnly, null))) {
      sim.sim.stopNode(DEAD);
      awaitDown(sim.client());

      EngineHarness.Result r = h.submit(recover(DEAD, true));

      assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
      assertEquals(pv, r.outcome().moves().get(0).claims().get(0).volume());
      List<String> warnings = r.ofType("takeover.warning").stream().map(e -> e.getString("message")).toList();
      assertTrue(warnings.stream().anyMatch(w -> w.startsWith(pv + " is still attached to " + DEAD)), warnings.toString());
      assertTrue(warnings.stream().anyMatch(w -> w.startsWith(pv + " was detached from " + DEAD)), warnings.toString());
      assertNull(outOfService(sim.client().nodes().withName(DEAD).get()), "outOfServiceTaint false: no taint");
    }
  }

  private Clusters.Simulated simulated() {
    Assumptions.assumeTrue(cluster.simulated(), "a node can only be stopped on the simulated cluster");
    return (Clusters.Simulated) cluster;
  }

  /** Until the node is NotReady and its Lease expired: down, as the engine will read it. */
  private void awaitDown(KubernetesClient k) {
    awaitDown(k, scene.ns);
  }

  private static void awaitDown(KubernetesClient k, String ns) {
    Await.await(DEAD + " NotReady", Duration.ofSeconds(20), () -> !ready(k.nodes().withName(DEAD).get()));
    Await.await("mysql-0 still bound to " + DEAD, Duration.ofSeconds(5),
        () -> DEAD.equals(k.pods().inNamespace(ns).withName("mysql-0").get().getSpec().getNodeName()));
  }

  private Ticket recover(String node, boolean poweredOff) {
    return Ticket.recover(node, poweredOff, "test", "alice", "the node stopped answering");
  }

  private Pod mysql(KubernetesClient k) {
    return k.pods().inNamespace(scene.ns).withName("mysql-0").get();
  }

  static Taint outOfService(Node node) {
    return node.getSpec().getTaints() == null ? null : node.getSpec().getTaints().stream()
        .filter(t -> "node.kubernetes.io/out-of-service".equals(t.getKey()) && "NoExecute".equals(t.getEffect()))
        .findFirst().orElse(null);
  }

  static boolean leaseRenewed(KubernetesClient k, String node) {
    var lease = k.leases().inNamespace("kube-node-lease").withName(node).get();
    return lease != null && lease.getSpec().getRenewTime() != null && lease.getSpec().getRenewTime().toInstant()
        .plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isAfter(java.time.Instant.now());
  }

  static boolean ready(Node node) {
    return node.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
