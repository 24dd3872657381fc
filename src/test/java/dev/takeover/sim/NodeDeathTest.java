package dev.takeover.sim;

import dev.takeover.sim.controllers.PodGc;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that stops, as a real control plane handles it (watch/node-dies.jsonl, watch/pod-on-dead-node.jsonl, the
 * node lifecycle and taint eviction controllers, the pod GC): its Lease stops being renewed, it goes Unknown only
 * after the grace, tainted unreachable NoSchedule then NoExecute; a pod whose toleration runs out is evicted and stays
 * Terminating; mysql-0 is not replaced until the out-of-service taint, after which the pod GC force-deletes it and
 * the StatefulSet makes it again on the other node.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeDeathTest {
  static final Duration BOUND = Duration.ofSeconds(20);
  SimulatedCluster cluster;
  KubernetesClient client;

  @BeforeEach
  void start() {
    start(SimTiming.fast());
  }

  /** The seed on a cluster with this timing (in place of the fast one). */
  void start(SimTiming timing) {
    if (cluster != null) {
      cluster.close();
    }
    cluster = Seed.cluster(timing);
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void a_stopped_node_goes_unknown_only_after_the_grace_since_its_lease_then_noexecute_follows() {
    Instant stopped = Instant.now();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> "Unknown".equals(ready(node()).getStatus()));

    Lease lease = client.leases().inNamespace("kube-node-lease").withName("kube-node02").get();
    Instant lastRenewal = lease.getSpec().getRenewTime().toInstant();
    Instant unknownAt = Instant.parse(ready(node()).getLastTransitionTime());
    SimTiming t = SimTiming.fast();
    // Timestamps are whole seconds in the API (Times.now()): a second of slack either way.
    assertFalse(unknownAt.plusSeconds(1).isBefore(lastRenewal.plus(t.nodeMonitorGrace())),
        "not before the grace: renewed " + lastRenewal + ", Unknown " + unknownAt);
    assertFalse(lastRenewal.isAfter(stopped.plusSeconds(1)), "a stopped kubelet renews no more");
    await("unreachable NoExecute", BOUND, () -> has(node(), "node.kubernetes.io/unreachable", "NoExecute"));
    assertTrue(has(node(), "node.kubernetes.io/unreachable", "NoSchedule"));
    Pod mysql = client.pods().inNamespace("default").withName("mysql-0").get();
    assertEquals("kube-node02", mysql.getSpec().getNodeName(), "still bound to the dead node");
    assertEquals(null, mysql.getMetadata().getDeletionTimestamp(), "tolerated for 300 s: not evicted yet");

    cluster.startNode("kube-node02");
    await("kube-node02 Ready and untainted", BOUND, () -> "True".equals(ready(node()).getStatus())
        && !has(node(), "node.kubernetes.io/unreachable", "NoSchedule") && !has(node(), "node.kubernetes.io/unreachable", "NoExecute"));
  }

  @Test
  void a_pod_whose_toleration_of_unreachable_runs_out_is_evicted_and_stays_terminating_on_the_dead_node() {
    client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("short").endMetadata()
        .withNewSpec().withNodeName("kube-node02").addNewContainer().withName("c").withImage("pause").endContainer()
        .withTolerations(new TolerationBuilder().withKey("node.kubernetes.io/unreachable").withOperator("Exists")
            .withEffect("NoExecute").withTolerationSeconds(1L).build()).endSpec().build()).create();
    await("short Running", BOUND, () -> "Running".equals(phase("short")));
    cluster.stopNode("kube-node02");
    await("short evicted by the taint manager", BOUND, () -> client.pods().inNamespace("default").withName("short")
        .get().getMetadata().getDeletionTimestamp() != null);
    Pod evicted = client.pods().inNamespace("default").withName("short").get();
    assertTrue(evicted.getStatus().getConditions().stream().anyMatch(c -> "DisruptionTarget".equals(c.getType())
        && "DeletionByTaintManager".equals(c.getReason())), evicted.getStatus().getConditions().toString());
    cluster.awaitSettled(BOUND);
    assertNotNull(client.pods().inNamespace("default").withName("short").get(), "no kubelet finishes it: Terminating");
    assertEquals(null, client.pods().inNamespace("default").withName("mysql-0").get().getMetadata()
        .getDeletionTimestamp(), "mysql-0 tolerates 300 s");
  }

  @Test
  void the_out_of_service_taint_gets_mysql_0_force_deleted_and_made_again_on_the_other_node() {
    String oldUid = client.pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> "Unknown".equals(ready(node()).getStatus()));
    cluster.awaitSettled(BOUND);
    assertEquals(oldUid, client.pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid(),
        "not replaced while its node is merely unreachable (seed 12.1 (4))");

    client.nodes().withName("kube-node02").edit(n -> {
      List<Taint> taints = new ArrayList<>(n.getSpec().getTaints());
      taints.add(new TaintBuilder().withKey(PodGc.OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });
    await("mysql-0 made again and Ready on kube-node01", BOUND, () -> {
      Pod p = client.pods().inNamespace("default").withName("mysql-0").get();
      return p != null && !oldUid.equals(p.getMetadata().getUid()) && "kube-node01".equals(p.getSpec().getNodeName())
          && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    Pod now = client.pods().inNamespace("default").withName("mysql-0").get();
    assertNotEquals(oldUid, now.getMetadata().getUid());
  }

  @Test
  void the_node_lifecycle_controller_notices_a_silent_node_only_on_its_own_runs() {
    // Runs every 2 s, grace 2.5 s: the renewal is heard on a run, and the node called Unknown on the first run at
    // least the grace after that one: 4 to 6 s after the last renewal, never at 2.5 s.
    start(SimTiming.fast().withNodeMonitorPeriod(Duration.ofSeconds(2)));
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> "Unknown".equals(ready(node()).getStatus()));
    Instant unknownSeen = Instant.now();

    Instant lastRenewal = client.leases().inNamespace("kube-node-lease").withName("kube-node02").get().getSpec()
        .getRenewTime().toInstant();
    Duration silent = Duration.between(lastRenewal, unknownSeen);
    System.out.printf("node monitor period 2 s, grace 2.5 s: Unknown %d ms after the last renewal%n", silent.toMillis());
    assertTrue(silent.compareTo(Duration.ofMillis(3950)) >= 0, "not before the run after the grace: " + silent);
    assertTrue(silent.compareTo(Duration.ofMillis(6500)) <= 0, "on that run: " + silent);
  }

  @Test
  void the_first_toleration_that_matches_a_taint_decides_and_the_shortest_of_those_counts() {
    // GetMatchingTolerations takes, per taint, the first toleration that matches it; getMinTolerationTime the
    // smallest tolerationSeconds among those. A later toleration of everything does not make 1 s last for ever.
    bareOnNode02("one-second-first", new TolerationBuilder().withKey("node.kubernetes.io/unreachable")
        .withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(1L).build(),
        new TolerationBuilder().withOperator("Exists").build());
    bareOnNode02("forever-first", new TolerationBuilder().withOperator("Exists").build(),
        new TolerationBuilder().withKey("node.kubernetes.io/unreachable").withOperator("Exists")
            .withEffect("NoExecute").withTolerationSeconds(1L).build());
    await("both Running", BOUND, () -> "Running".equals(phase("one-second-first")) && "Running".equals(phase("forever-first")));
    cluster.stopNode("kube-node02");
    await("unreachable NoExecute", BOUND, () -> has(node(), "node.kubernetes.io/unreachable", "NoExecute"));
    long tainted = System.nanoTime();

    await("one-second-first evicted", BOUND, () -> terminating("one-second-first"));
    long evictedMs = (System.nanoTime() - tainted) / 1_000_000;
    cluster.awaitSettled(BOUND);

    assertTrue(evictedMs >= 900, "after its 1 s, not before: " + evictedMs + " ms");
    assertFalse(terminating("forever-first"), "its first matching toleration has no tolerationSeconds: for ever");
  }

  @Test
  void pod_gc_force_deletes_a_terminating_pod_of_an_out_of_service_node_on_its_next_run_not_at_once() {
    // Pod GC runs every podGcPeriod (gcCheckPeriod, 20 s): a pod that starts terminating just after a run waits for
    // the next one, a whole period later.
    start(SimTiming.fast().withPodGcPeriod(Duration.ofSeconds(2)));
    Duration period = cluster.timing().podGcPeriod();
    bareOnNode02("tolerant", new TolerationBuilder().withOperator("Exists").build());
    await("tolerant Running", BOUND, () -> "Running".equals(phase("tolerant")));
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> "Unknown".equals(ready(node()).getStatus()));
    cluster.awaitSettled(BOUND);
    client.nodes().withName("kube-node02").edit(n -> {
      List<Taint> taints = new ArrayList<>(n.getSpec().getTaints());
      taints.add(new TaintBuilder().withKey(PodGc.OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });
    // mysql-0 does not tolerate the taint: evicted, Terminating, then gone on pod GC's next run.
    await("mysql-0 collected by a pod GC run", BOUND, () -> {
      Pod p = client.pods().inNamespace("default").withName("mysql-0").get();
      return p == null || !"kube-node02".equals(p.getSpec().getNodeName());
    });

    client.pods().inNamespace("default").withName("tolerant").delete(); // graceful: no kubelet finishes it
    long deleted = System.nanoTime();
    await("tolerant collected by the next run", BOUND, () -> client.pods().inNamespace("default").withName("tolerant")
        .get() == null);
    long waitedMs = (System.nanoTime() - deleted) / 1_000_000;
    System.out.printf("pod GC period %d ms: a pod terminating just after a run went %d ms later%n", period.toMillis(),
        waitedMs);
    assertTrue(waitedMs >= period.toMillis() - 500, "not before the next run: " + waitedMs + " ms");
  }

  private void bareOnNode02(String name, io.fabric8.kubernetes.api.model.Toleration... tolerations) {
    client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNodeName("kube-node02").addNewContainer().withName("c").withImage("pause").endContainer()
        .withTolerations(tolerations).endSpec().build()).create();
  }

  private boolean terminating(String pod) {
    Pod p = client.pods().inNamespace("default").withName(pod).get();
    return p != null && p.getMetadata().getDeletionTimestamp() != null;
  }

  private Node node() {
    return client.nodes().withName("kube-node02").get();
  }

  private String phase(String pod) {
    Pod p = client.pods().inNamespace("default").withName(pod).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static NodeCondition ready(Node n) {
    return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow();
  }

  private static boolean has(Node n, String key, String effect) {
    return n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
        .anyMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()));
  }
}
