package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where pods go: the scheduler's filters, local volumes, DaemonSets on cordoned nodes. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SchedulingTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void a_deployment_of_100_pods_gets_scheduled_on_the_only_worker() {
    cluster = SimulatedCluster.builder().start();
    long start = System.nanoTime();
    cluster.scenario().node("master").controlPlane().node("worker")
        .deployment("default", "web", d -> d.replicas(100))
        .apply();
    System.out.printf("100 pods created, scheduled and Running in %d ms%n", (System.nanoTime() - start) / 1_000_000);

    List<Pod> pods = cluster.client().pods().withLabel("app", "web").list().getItems();
    assertEquals(100, pods.size());
    assertEquals(Set.of("worker"), pods.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet()));
    assertTrue(pods.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase())));
    assertEquals(100, cluster.client().apps().deployments().withName("web").get().getStatus().getReadyReplicas());
  }

  @Test
  void a_pod_on_a_local_volume_stays_pending_when_its_node_is_cordoned() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
        .pv("local-pv", "1Gi", "local", v -> v.pinnedTo("kube-node01"))
        .statefulSet("default", "db", s -> s.claimTemplate("data", "local", "1Gi").mount("data", "/data")
            .placeOn("kube-node01"))
        .apply();
    KubernetesClient client = cluster.client();
    client.nodes().withName("kube-node01").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    String uid = client.pods().withName("db-0").get().getMetadata().getUid();

    assertTrue(client.pods().withName("db-0").evict());
    await("db-0 recreated", BOUND, () -> {
      Pod pod = client.pods().withName("db-0").get();
      return pod != null && !pod.getMetadata().getUid().equals(uid);
    });
    cluster.awaitSettled(BOUND);

    Pod pending = client.pods().withName("db-0").get();
    assertEquals("Pending", pending.getStatus().getPhase());
    assertEquals(null, pending.getSpec().getNodeName());
    PodCondition scheduled = pending.getStatus().getConditions().stream()
        .filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElseThrow();
    assertEquals("False", scheduled.getStatus());
    assertEquals("Unschedulable", scheduled.getReason());
    assertEquals("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        + "1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/3 nodes are "
        + "available: 3 Preemption is not helpful for scheduling.", scheduled.getMessage());

    client.nodes().withName("kube-node01").edit(n -> {
      n.getSpec().setUnschedulable(null);
      return n;
    });
    await("db-0 back on kube-node01 once uncordoned", BOUND,
        () -> "kube-node01".equals(client.pods().withName("db-0").get().getSpec().getNodeName()));
  }

  @Test
  void daemonset_pods_stay_on_a_cordoned_node_and_come_back_there() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
        .daemonSet("kube-system", "kube-proxy")
        .apply();
    KubernetesClient client = cluster.client();
    client.nodes().withName("kube-node01").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    cluster.awaitSettled(BOUND);
    Pod onCordoned = client.pods().inNamespace("kube-system").withField("spec.nodeName", "kube-node01").list()
        .getItems().get(0);

    client.pods().inNamespace("kube-system").withName(onCordoned.getMetadata().getName()).delete();
    await("a new kube-proxy pod Running on the cordoned node", BOUND, () -> client.pods().inNamespace("kube-system")
        .withField("spec.nodeName", "kube-node01").list().getItems().stream()
        .anyMatch(p -> !p.getMetadata().getUid().equals(onCordoned.getMetadata().getUid())
            && "Running".equals(p.getStatus().getPhase())));
    cluster.awaitSettled(BOUND);

    assertEquals(3, client.pods().inNamespace("kube-system").list().getItems().size());
    assertEquals(Set.of("kube-master", "kube-node01", "kube-node02"), client.pods().inNamespace("kube-system").list()
        .getItems().stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet()));
  }

  @Test
  void deleting_a_deployment_deletes_its_replica_set_and_pods() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("worker").deployment("default", "web", d -> d.replicas(3)).apply();

    cluster.client().apps().deployments().withName("web").delete();

    await("the garbage collector removed the ReplicaSet and the pods", BOUND,
        () -> cluster.client().apps().replicaSets().list().getItems().isEmpty()
            && cluster.client().pods().list().getItems().isEmpty());
  }

  @Test
  void a_pod_that_fits_nowhere_says_why_in_the_schedulers_words() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("small", n -> n.capacity("cpu", "1")).node("tainted", n -> n.taint("dedicated", "db", "NoSchedule"))
        .pod("default", "greedy", p -> p.request("cpu", "2"))
        .apply();

    Pod pod = cluster.client().pods().withName("greedy").get();

    assertEquals("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}. "
            + "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
            + "1 Preemption is not helpful for scheduling.",
        pod.getStatus().getConditions().get(0).getMessage());
  }

  @Test
  void a_pod_whose_claim_is_not_bound_waits_until_a_volume_appears() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-node01")
        .pvc("default", "data", "5Gi", "standard")
        .pod("default", "app", p -> p.claim("data", "data", "/data"))
        .apply();
    KubernetesClient client = cluster.client();
    assertEquals("Pending", client.pods().withName("app").get().getStatus().getPhase());
    assertTrue(client.pods().withName("app").get().getStatus().getConditions().get(0).getMessage()
        .contains("pod has unbound immediate PersistentVolumeClaims"));

    cluster.scenario().pv("small", "1Gi", "standard").pv("big", "10Gi", "standard").pv("fits", "5Gi", "standard").apply();

    assertEquals("fits", client.persistentVolumeClaims().withName("data").get().getSpec().getVolumeName());
    assertEquals("Running", client.pods().withName("app").get().getStatus().getPhase());
  }

  @Test
  void a_volume_pre_bound_by_claim_ref_goes_to_that_claim_only() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-node01")
        .pv("reserved", "1Gi", "standard", v -> v.claimRef("default", "theirs"))
        .pvc("default", "mine", "1Gi", "standard")
        .pvc("default", "theirs", "1Gi", "standard")
        .apply();
    KubernetesClient client = cluster.client();

    assertEquals(null, client.persistentVolumeClaims().withName("mine").get().getSpec().getVolumeName());
    assertEquals("reserved", client.persistentVolumeClaims().withName("theirs").get().getSpec().getVolumeName());
    assertEquals(client.persistentVolumeClaims().withName("theirs").get().getMetadata().getUid(),
        client.persistentVolumes().withName("reserved").get().getSpec().getClaimRef().getUid());
  }
}
