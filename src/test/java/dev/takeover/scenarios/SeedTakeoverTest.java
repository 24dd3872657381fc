package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.engine.PodMove;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's §12.3 by Takeover: mysql-0 runs on kube-node02 with pvc-mysql-0 bound to pv1; the takeover of
 * kube-node02 moves it to kube-node01 with the same claim and volume, leaves the DaemonSet pods alone and makes
 * kube-node02 schedulable again. On a real cluster: the same, on its first worker, in a fresh namespace.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SeedTakeoverTest {

  @Test
  void the_takeover_of_the_seeds_node_moves_mysql_0_with_its_volume_and_leaves_the_daemonsets_alone() {
    Path real = TestCluster.realKubeconfig();
    if (real == null) {
      try (TestCluster cluster = Clusters.Simulated.seed()) {
        takeoverMovesMysql(cluster, "default", "kube-node02", "pv1");
      }
    } else {
      try (TestCluster cluster = new RealCluster(real); Scene scene = Scene.in(cluster, "seed")) {
        String node = scene.workers().get(0);
        String pv = scene.volumeName("pv1");
        scene.volume(pv, "1Gi", "pvc-mysql-0", null).headlessService("mysql", "mysql-sts", 3306)
            .placedOn(node, 1, () -> scene.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
        takeoverMovesMysql(cluster, scene.ns, node, pv);
      }
    }
  }

  static EngineHarness.Result takeoverMovesMysql(TestCluster cluster, String ns, String node, String pv) {
    return takeoverMovesMysql(cluster, ns, node, pv, c -> c);
  }

  /** The seed's takeover with the given engine settings, and every check of it; returns the run's result. */
  static EngineHarness.Result takeoverMovesMysql(TestCluster cluster, String ns, String node, String pv,
                                                 java.util.function.UnaryOperator<dev.takeover.config.EngineConfig> settings) {
    KubernetesClient k = cluster.client();
    Pod before = k.pods().inNamespace(ns).withName("mysql-0").get();
    assertEquals(node, before.getSpec().getNodeName());
    Map<String, String> daemonPods = daemonSetPods(k, node);
    assertFalse(daemonPods.isEmpty(), "the node runs DaemonSet pods");

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster, settings)) {
      result = takeover.takeover(node, Ticket.Options.defaults());
    }

    Outcome out = result.outcome();
    assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertEquals(Outcome.NodeState.SCHEDULABLE, out.nodeLeft());
    // mysql-0 is back: same name, new uid, Ready on another node.
    Pod after = k.pods().inNamespace(ns).withName("mysql-0").get();
    assertNotEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
    assertNotEquals(node, after.getSpec().getNodeName());
    assertTrue(Scene.ready(after), Scene.describe(after));
    // ... with the same claim bound to the same volume.
    PersistentVolumeClaim pvc = k.persistentVolumeClaims().inNamespace(ns).withName("pvc-mysql-0").get();
    assertEquals(pv, pvc.getSpec().getVolumeName());
    assertEquals("Bound", pvc.getStatus().getPhase());
    PodMove move = out.moves().get(0);
    assertEquals(List.of(new ClaimBinding("pvc-mysql-0", pv)), move.claims());
    assertEquals(node, move.fromNode());
    assertEquals(after.getSpec().getNodeName(), move.toNode());
    // The DaemonSet pods were left alone, and the node is schedulable again.
    assertEquals(daemonPods, daemonSetPods(k, node));
    assertFalse(Boolean.TRUE.equals(k.nodes().withName(node).get().getSpec().getUnschedulable()));
    // The plan said so, and the node's events tell the story.
    JsonObject plan = result.ofType("takeover.plan.ready").get(0);
    assertTrue(plan.getJsonArray("pods").stream().map(JsonObject.class::cast)
        .filter(p -> daemonPods.containsKey(p.getString("pod")))
        .allMatch(p -> "leave".equals(p.getString("action"))));
    List<String> reasons = Events.reasons(k, node, result);
    for (String reason : List.of("TakeoverStarted", "TakeoverCordoned", "TakeoverPodEvicted", "TakeoverDrained",
        "TakeoverPodConfirmed", "TakeoverUncordoned", "TakeoverSucceeded")) {
      assertTrue(reasons.contains(reason), reason + " in " + reasons);
    }
    return result;
  }

  /** ns/name → uid of the DaemonSet pods on the node. */
  private static Map<String, String> daemonSetPods(KubernetesClient k, String node) {
    return k.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
        .filter(p -> p.getMetadata().getOwnerReferences().stream().anyMatch(o -> "DaemonSet".equals(o.getKind())))
        .collect(Collectors.toMap(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
            p -> p.getMetadata().getUid()));
  }
}
