package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanRefusalTest extends ScenarioBase {

  @Test
  void a_volume_pinned_to_the_node_is_refused_at_plan_time_and_the_node_is_never_cordoned() {
    String node = scene.workers().get(0);
    String pv = scene.volumeName("local-pv");
    scene.volume(pv, "1Gi", "pvc-mysql-0", node)
        .headlessService("mysql", "mysql-sts", 3306)
        .statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { });
    scene.awaitPods(pods -> pods.stream().anyMatch(p -> Scene.ready(p) && node.equals(p.getSpec().getNodeName())),
        "mysql-0 Ready on " + node + ", where its volume is");
    String resourceVersion = scene.node(node).getMetadata().getResourceVersion();

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults());
    }

    assertEquals(Outcome.Status.REFUSED, result.outcome().status());
    assertTrue(result.outcome().reason().contains(pv), result.outcome().reason());
    assertTrue(result.ofType("takeover.step.started").stream().allMatch(e -> "plan".equals(e.getString("step"))),
        "no step after the plan ran");
    assertEquals(resourceVersion, scene.node(node).getMetadata().getResourceVersion(), "the node was not written");
    assertFalse(Boolean.TRUE.equals(scene.node(node).getSpec().getUnschedulable()));
    assertTrue(Events.reasons(cluster.client(), node, result).contains("TakeoverRefused"));
  }

  @Test
  void allowed_a_pinned_pod_is_evicted_not_waited_for_and_starts_again_on_its_node_once_uncordoned() {
    String node = scene.workers().get(0);
    scene.volume(scene.volumeName("local-pv"), "1Gi", "pvc-mysql-0", node)
        .headlessService("mysql", "mysql-sts", 3306)
        .statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { });
    scene.awaitPods(pods -> pods.stream().anyMatch(p -> Scene.ready(p) && node.equals(p.getSpec().getNodeName())),
        "mysql-0 Ready on " + node);
    String uid = scene.pod("mysql-0").getMetadata().getUid();
    Ticket.Options allowLocal = new Ticket.Options(false, false, false, false, true, false, null, null);

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, allowLocal);
    }

    assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
    assertTrue(result.outcome().moves().isEmpty(), "nothing to confirm: the pod cannot start elsewhere");
    assertTrue(result.ofType("takeover.warning").stream()
        .anyMatch(w -> w.getString("message").contains("--allow-local-volumes")));
    scene.awaitPods(pods -> pods.stream().anyMatch(p -> Scene.ready(p) && node.equals(p.getSpec().getNodeName())
        && !uid.equals(p.getMetadata().getUid())), "mysql-0 Ready again on " + node + " once it is schedulable");
  }

  @Test
  void an_unknown_node_is_refused_with_its_name() {
    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover("no-such-node", Ticket.Options.defaults());
    }
    assertEquals(Outcome.Status.REFUSED, result.outcome().status());
    assertEquals("node no-such-node not found (kubectl get nodes lists the nodes of this cluster)",
        result.outcome().reason());
    assertNull(result.outcome().plan());
  }
}
