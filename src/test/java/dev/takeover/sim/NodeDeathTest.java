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
    cluster = Seed.cluster(SimTiming.fast());
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
