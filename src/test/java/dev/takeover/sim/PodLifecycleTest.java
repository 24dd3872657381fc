package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graceful deletion, the kubelets, stopped nodes. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodLifecycleTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private SimulatedCluster cluster;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    // a slow kubelet, so that the terminating state can be seen
    cluster = SimulatedCluster.builder().timing(new SimTiming(Duration.ofMillis(20), Duration.ofSeconds(30))).start();
    cluster.scenario().node("kube-node01").node("kube-node02")
        .pod("default", "bound", p -> p.onNode("kube-node01").emptyDir("scratch", "/tmp/scratch"))
        .pod("default", "unbound", p -> p.nodeSelector("disk", "none"))
        .pod("default", "stuck", p -> p.onNode("kube-node02").neverReady())
        .apply();
    client = cluster.client();
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void a_bound_pod_is_deleted_gracefully_and_a_second_delete_does_not_extend_its_grace() {
    client.pods().withName("bound").delete();
    Pod terminating = client.pods().withName("bound").get();
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertEquals(30L, terminating.getMetadata().getDeletionGracePeriodSeconds());

    client.pods().withName("bound").withGracePeriod(60).delete();
    assertEquals(terminating.getMetadata().getDeletionTimestamp(),
        client.pods().withName("bound").get().getMetadata().getDeletionTimestamp());

    client.pods().withName("bound").withGracePeriod(0).delete();
    assertNull(client.pods().withName("bound").get());
  }

  @Test
  void a_pod_with_a_finalizer_outlives_its_final_delete_until_the_finalizer_is_removed() {
    client.pods().withName("bound").edit(p -> {
      p.getMetadata().setFinalizers(java.util.List.of("example.com/hold"));
      return p;
    });
    client.pods().withName("bound").delete();
    client.pods().withName("bound").withGracePeriod(0).delete(); // what its kubelet does when the containers stopped

    Pod held = client.pods().withName("bound").get();
    assertNotNull(held, "held by its finalizer");
    assertEquals(0L, held.getMetadata().getDeletionGracePeriodSeconds());
    client.pods().withName("bound").patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
    assertNull(client.pods().withName("bound").get(), "gone with its last finalizer");
  }

  @Test
  void a_terminating_pod_can_still_be_updated_and_stays_terminating() {
    client.pods().withName("bound").delete();
    String deletion = client.pods().withName("bound").get().getMetadata().getDeletionTimestamp();

    client.pods().withName("bound").edit(p -> {
      p.getMetadata().getLabels().put("seen", "yes");
      return p;
    });

    Pod pod = client.pods().withName("bound").get();
    assertEquals("yes", pod.getMetadata().getLabels().get("seen"));
    assertEquals(deletion, pod.getMetadata().getDeletionTimestamp());
    assertEquals("Running", pod.getStatus().getPhase());
  }

  @Test
  void deleting_pods_by_label_deletes_each_as_one_delete_would() {
    client.pods().withLabel("app", "bound").delete();
    client.pods().withLabel("app", "unbound").delete();

    assertNotNull(client.pods().withName("bound").get().getMetadata().getDeletionTimestamp());
    assertNull(client.pods().withName("unbound").get());
    assertNull(client.pods().withName("stuck").get().getMetadata().getDeletionTimestamp());
  }

  @Test
  void an_unbound_pod_is_deleted_at_once() {
    client.pods().withName("unbound").delete();

    assertNull(client.pods().withName("unbound").get());
  }

  @Test
  void a_pod_marked_never_ready_runs_but_is_not_ready() {
    Pod stuck = client.pods().withName("stuck").get();

    assertEquals("Running", stuck.getStatus().getPhase());
    assertEquals("False", stuck.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
        .findFirst().orElseThrow().getStatus());
    assertEquals(Boolean.FALSE, stuck.getStatus().getContainerStatuses().get(0).getReady());
  }

  @Test
  void a_running_pod_has_the_addresses_and_statuses_a_kubelet_reports() {
    Pod bound = client.pods().withName("bound").get();

    assertTrue(bound.getStatus().getPodIP().startsWith("10.244."));
    assertNotNull(bound.getStatus().getHostIP());
    assertNotNull(bound.getStatus().getStartTime());
    assertEquals(Boolean.TRUE, bound.getStatus().getContainerStatuses().get(0).getReady());
    assertEquals("BestEffort", bound.getStatus().getQosClass());
  }

  @Test
  void a_stopped_node_goes_unknown_and_tainted_and_its_terminating_pod_stays() {
    cluster.stopNode("kube-node01");
    client.pods().withName("bound").delete();
    cluster.awaitSettled(BOUND);

    Node node = client.nodes().withName("kube-node01").get();
    var ready = node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow();
    assertEquals("Unknown", ready.getStatus());
    assertEquals("NodeStatusUnknown", ready.getReason());
    assertTrue(node.getSpec().getTaints().stream().anyMatch(t -> "node.kubernetes.io/unreachable".equals(t.getKey())
        && "NoExecute".equals(t.getEffect())));
    Pod bound = client.pods().withName("bound").get();
    assertNotNull(bound.getMetadata().getDeletionTimestamp(), "still terminating: its kubelet is gone");
    assertEquals("False", bound.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
        .findFirst().orElseThrow().getStatus());

    client.pods().withName("bound").withGracePeriod(0).delete();
    assertNull(client.pods().withName("bound").get(), "a force delete removes it");

    cluster.startNode("kube-node01");
    await("kube-node01 Ready again and untainted", BOUND, () -> {
      Node n = client.nodes().withName("kube-node01").get();
      return n.getSpec().getTaints().isEmpty() && n.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    });
  }
}
