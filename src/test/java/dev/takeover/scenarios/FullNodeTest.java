package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node at the kubelet's default maximum of 110 pods, from Deployments and StatefulSets. */
class FullNodeTest extends ScenarioBase {
  private static final int STATEFUL_SETS = 4;
  private static final int REPLICAS = 5;

  @Test
  void a_full_node_is_drained_and_every_statefulset_pod_confirmed() {
    takeOverAFullNode(cluster, scene, c -> c, () -> { });
  }

  /**
   * Fills the first worker to the kubelet's maximum, runs {@code beforeTakeover}, takes the node over with these
   * settings, and checks it all.
   */
  static EngineHarness.Result takeOverAFullNode(TestCluster cluster, Scene scene,
                                                java.util.function.UnaryOperator<dev.takeover.config.EngineConfig> settings,
                                                Runnable beforeTakeover) {
    List<String> workers = scene.workers();
    String node = workers.get(0);
    int fill = room(scene, node);
    for (String other : workers.subList(1, workers.size())) {
      fill = Math.min(fill, workers.size() == 2 ? room(scene, other) : fill);
    }
    int stateful = STATEFUL_SETS * REPLICAS;
    int stateless = fill - stateful;
    assertTrue(stateless > 0, "room for " + fill + " pods on " + node);
    scene.placedOn(node, fill, () -> {
      for (int s = 0; s < STATEFUL_SETS; s++) {
        String name = "db" + s;
        for (int r = 0; r < REPLICAS; r++) {
          scene.volume(scene.volumeName(name + "-" + r), "1Gi", "pvc-" + name + "-" + r, null);
        }
        scene.statefulSet(name, name, REPLICAS, "1Gi", spec -> { });
      }
      scene.deployment("web", stateless);
    });
    List<io.fabric8.kubernetes.api.model.Pod> before = scene.podsOn(node);
    int total = before.size();
    // On a shared cluster the node may hold other pods than the scene's: Takeover moves them too.
    long toEvict = before.stream().filter(p -> p.getMetadata().getOwnerReferences().stream()
        .noneMatch(o -> "DaemonSet".equals(o.getKind()))).count();
    System.out.printf("full node: %d pods on %s (%d StatefulSet pods, %d Deployment pods, the rest DaemonSets)%n",
        total, node, stateful, stateless);

    beforeTakeover.run();
    long start = System.nanoTime();
    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster, settings)) {
      result = takeover.takeover(node, Ticket.Options.defaults());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
    assertEquals(toEvict, result.ofType("takeover.pod.evicted").size());
    assertEquals(toEvict, result.ofType("takeover.pod.gone").size());
    assertEquals(stateful, result.outcome().moves().stream().filter(m -> m.pod().namespace().equals(scene.ns)).count());
    assertTrue(scene.k.pods().inNamespace(scene.ns).list().getItems().stream()
        .noneMatch(p -> node.equals(p.getSpec().getNodeName())), "nothing of the scene is left on " + node);
    System.out.printf("full node: takeover of %s with %d pods took %d ms wall time (%d evicted, %d StatefulSet pods"
        + " confirmed, slowest time to Ready %d ms)%n", node, total, millis, toEvict, result.outcome().moves().size(),
        result.outcome().moves().stream().mapToLong(m -> m.timeToReady().toMillis()).max().orElse(0));
    return result;
  }

  /** Pods the node can still take: its allocatable pods minus those on it now. */
  private static int room(Scene scene, String nodeName) {
    Node node = scene.node(nodeName);
    int allocatable = Integer.parseInt(node.getStatus().getAllocatable().get("pods").getAmount());
    return allocatable - scene.podsOn(nodeName).size();
  }
}
