package dev.takeover.scenarios;

import dev.takeover.config.FailurePolicy;
import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No room elsewhere: the pod can only run on the node under maintenance (its nodeSelector says so). */
class ConfirmTimeoutTest extends ScenarioBase {

  private String pinnedMysql() {
    String node = scene.workers().get(0);
    scene.volume(scene.volumeName("pv1"), "1Gi", "pvc-mysql-0", null)
        .headlessService("mysql", "mysql-sts", 3306)
        .statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> spec.withNodeSelector(Map.of("kubernetes.io/hostname", node)));
    scene.awaitPods(pods -> pods.stream().anyMatch(Scene::ready), "mysql-0 Ready on " + node);
    return node;
  }

  private Duration confirmTimeout() {
    return cluster.simulated() ? Duration.ofSeconds(2) : Duration.ofSeconds(30);
  }

  @Test
  void a_pod_with_nowhere_to_go_fails_the_confirm_with_the_schedulers_reason_and_the_node_is_uncordoned() {
    String node = pinnedMysql();

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults().withConfirmTimeout(confirmTimeout()));
    }

    Outcome out = result.outcome();
    assertEquals(Outcome.Status.FAILED, out.status());
    assertTrue(out.reason().contains(scene.ns + "/mysql-0: not confirmed before the confirm timeout"), out.reason());
    assertTrue(out.reason().contains("Pending"), out.reason());
    assertTrue(result.ofType("takeover.warning").stream().anyMatch(w -> w.getString("message").contains("mysql-0")),
        "the plan warned that mysql-0 may stay Pending");
    assertFalse(Boolean.TRUE.equals(scene.node(node).getSpec().getUnschedulable()));
  }

  @Test
  void with_the_keep_cordoned_failure_policy_the_node_stays_cordoned_and_says_so() {
    String node = pinnedMysql();

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster, c -> c.withOnFailure(FailurePolicy.KEEP_CORDONED))) {
      result = takeover.takeover(node, Ticket.Options.defaults().withConfirmTimeout(confirmTimeout()));
    }

    try {
      assertEquals(Outcome.Status.FAILED, result.outcome().status());
      assertEquals(Outcome.NodeState.CORDONED, result.outcome().nodeLeft());
      assertTrue(result.outcome().reason().contains("kept cordoned for a human"), result.outcome().reason());
      assertEquals(Boolean.TRUE, scene.node(node).getSpec().getUnschedulable());
      assertEquals(NodeRecord.FAILED, NodeRecord.read(scene.node(node)).step());
    } finally {
      scene.restore(node);
    }
  }
}
