package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DisruptionBudgetTest extends ScenarioBase {

  @Test
  void a_budget_that_allows_no_disruption_fails_the_drain_by_name_and_the_node_is_uncordoned() {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    scene.budget("mysql", "mysql-sts", 1, null);
    String uid = scene.pod("mysql-0").getMetadata().getUid();
    Duration drainTimeout = cluster.simulated() ? Duration.ofSeconds(2) : Duration.ofSeconds(20);

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults().withDrainTimeout(drainTimeout));
    }

    Outcome out = result.outcome();
    assertEquals(Outcome.Status.FAILED, out.status());
    assertTrue(out.reason().contains(scene.ns + "/mysql-0: not evicted before the drain timeout"), out.reason());
    assertTrue(out.reason().contains("PodDisruptionBudget " + scene.ns + "/mysql forbids it"), out.reason());
    assertTrue(out.reason().contains("uncordoned (failure policy uncordon)"), out.reason());
    // Retried with backoff, never in a tight loop: several refusals, each followed by a wait.
    List<JsonObject> blocked = result.ofType("takeover.pod.eviction-blocked");
    assertTrue(blocked.size() >= 2, "retries: " + blocked.size());
    assertTrue(blocked.stream().allMatch(b -> b.getLong("retryInMs") > 0));
    assertEquals(scene.ns + "/mysql", blocked.get(0).getString("budget"));
    // Nothing of the scene was evicted and the node is schedulable again. (On a shared cluster the node may also run
    // others' pods, such as the demo's default/mysql-0, which no budget holds back.)
    List<JsonObject> evicted = result.ofType("takeover.pod.evicted");
    assertTrue(evicted.stream().noneMatch(e -> e.getString("pod").startsWith(scene.ns + "/")), evicted.toString());
    assertEquals(uid, scene.pod("mysql-0").getMetadata().getUid());
    assertFalse(Boolean.TRUE.equals(scene.node(node).getSpec().getUnschedulable()));
    assertEquals(Outcome.NodeState.SCHEDULABLE, out.nodeLeft());
    assertTrue(Events.reasons(cluster.client(), node, result).contains("TakeoverFailed"));
  }

  @Test
  void three_replicas_with_a_budget_of_one_disruption_move_one_at_a_time_and_succeed() {
    List<String> workers = scene.workers();
    for (int i = 0; i < 3; i++) {
      scene.volume(scene.volumeName("web-" + i), "1Gi", "pvc-web-" + i, null);
    }
    scene.headlessService("web", "web", 80).statefulSet("web", "web", 3, "1Gi", spec -> { })
        .budget("web", "web", null, 1);
    scene.awaitPods(pods -> pods.stream().filter(Scene::ready).count() == 3, "web-0..2 Ready");
    String node = scene.pod("web-0").getSpec().getNodeName();
    List<String> onNode = scene.k.pods().inNamespace(scene.ns).list().getItems().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName())).map(p -> p.getMetadata().getName()).sorted().toList();
    assertTrue(workers.size() >= 2, "needs two workers, has " + workers);

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults());
    }

    assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
    assertEquals(onNode, result.outcome().moves().stream().map(m -> m.pod().name()).sorted().toList());
    for (String name : onNode) {
      Pod moved = scene.pod(name);
      assertNotEquals(node, moved.getSpec().getNodeName());
      assertTrue(Scene.ready(moved));
      assertEquals(scene.volumeName(name), scene.k.persistentVolumeClaims().inNamespace(scene.ns).withName("pvc-" + name)
          .get().getSpec().getVolumeName());
    }
  }
}
