package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.controlPlane;
import static dev.takeover.engine.plan.Fixtures.cordoned;
import static dev.takeover.engine.plan.Fixtures.daemonSetPod;
import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.notReady;
import static dev.takeover.engine.plan.Fixtures.replicaSetPod;
import static dev.takeover.engine.plan.Fixtures.tainted;
import static dev.takeover.engine.plan.Fixtures.toleration;
import static dev.takeover.engine.plan.Fixtures.tolerating;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** May the node go out at all: its role, the rest of the cluster, the maintenance limit. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeRefusalsTest {
  private static final PlanOptions DEFAULTS = PlanOptions.defaults();

  private static Cluster withWeb(Node... nodes) {
    return Cluster.of(nodes).with(replicaSetPod("default", "web-7d4b9-x2x9p", "kube-node02"));
  }

  @Test
  void a_control_plane_node_is_refused() {
    Plan plan = withWeb(controlPlane("kube-node02"), node("kube-node01")).plan("kube-node02");

    assertEquals(List.of("cannot take a control-plane node out (use --allow-control-plane): kube-node02"),
        plan.refusalMessages());
  }

  @Test
  void a_control_plane_node_may_go_with_allow_control_plane() {
    Plan plan = withWeb(controlPlane("kube-node02"), node("kube-node01"))
        .plan("kube-node02", DEFAULTS.withAllowControlPlane(true));

    assertFalse(plan.refused(), plan.refusalMessages().toString());
  }

  @Test
  void the_only_node_is_refused_since_its_pods_would_have_nowhere_to_go() {
    Plan plan = withWeb(node("kube-node02")).plan("kube-node02");

    assertEquals(List.of("no other node is Ready, schedulable and without a taint the pods do not tolerate:"
        + " evicted pods would have nowhere to go (uncordon or add a node)"), plan.refusalMessages());
  }

  @Test
  void nodes_that_cannot_take_pods_are_named_with_the_reason() {
    Plan plan = withWeb(node("kube-node02"), controlPlane("kube-master"), notReady(node("kube-node03")))
        .plan("kube-node02");

    assertEquals(List.of("kube-master (taint node-role.kubernetes.io/control-plane:NoSchedule)",
        "kube-node03 (not Ready)"), plan.refusals().get(0).objects());
  }

  @Test
  void a_tainted_node_counts_when_a_pod_to_evict_tolerates_its_taint() {
    Node dbOnly = tainted(node("kube-node01"), "dedicated", "db", "NoSchedule");
    Plan plan = Cluster.of(node("kube-node02"), dbOnly)
        .with(tolerating(replicaSetPod("default", "db-5f6c7-abcde", "kube-node02"),
            toleration("dedicated", "db", "Equal", "NoSchedule")))
        .plan("kube-node02");

    assertFalse(plan.refused(), plan.refusalMessages().toString());
  }

  @Test
  void another_cordoned_node_is_refused_when_one_node_at_a_time_is_allowed() {
    Plan plan = withWeb(node("kube-node02"), cordoned(node("kube-node01")), node("kube-node03"))
        .plan("kube-node02");

    assertEquals(List.of("too many nodes under maintenance, at most 1 allowed and these are cordoned already"
        + " (uncordon one or raise --max-nodes-in-maintenance): kube-node01"),
        plan.refusalMessages());
  }

  @Test
  void another_cordoned_node_is_fine_when_two_at_a_time_are_allowed() {
    Plan plan = withWeb(node("kube-node02"), cordoned(node("kube-node01")), node("kube-node03"))
        .plan("kube-node02", DEFAULTS.withMaxNodesInMaintenance(2));

    assertFalse(plan.refused(), plan.refusalMessages().toString());
  }

  @Test
  void a_node_already_cordoned_counts_once_and_is_a_warning() {
    Plan plan = withWeb(cordoned(node("kube-node02")), node("kube-node01")).plan("kube-node02");

    assertFalse(plan.refused(), plan.refusalMessages().toString());
    assertTrue(plan.warnings().get(0).startsWith("node kube-node02 is already cordoned"), plan.warnings().toString());
  }

  @Test
  void a_node_that_is_not_Ready_is_refused_when_it_has_pods_to_evict() {
    Plan plan = withWeb(notReady(node("kube-node02")), node("kube-node01")).plan("kube-node02");

    assertEquals(1, plan.refusals().size());
    assertTrue(plan.refusals().get(0).reason().startsWith("cannot drain a node that is not Ready"));
    assertEquals(List.of("kube-node02"), plan.refusals().get(0).objects());
  }

  @Test
  void a_node_that_is_not_Ready_with_only_DaemonSet_pods_is_fine() {
    Plan plan = Cluster.of(notReady(node("kube-node02")), node("kube-node01"))
        .with(daemonSetPod("kube-system", "kube-proxy-xxxxx", "kube-proxy", "kube-node02"))
        .plan("kube-node02");

    assertFalse(plan.refused(), plan.refusalMessages().toString());
  }

  @Test
  void every_reason_is_given_at_once() {
    Plan plan = withWeb(controlPlane("kube-node02"), cordoned(node("kube-node01"))).plan("kube-node02");

    assertEquals(3, plan.refusals().size(), plan.refusalMessages().toString());
  }

  @Test
  void at_least_one_node_must_be_allowed_under_maintenance() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> DEFAULTS.withMaxNodesInMaintenance(0));
  }
}
