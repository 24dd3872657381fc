package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.ZONE;
import static dev.takeover.engine.plan.Fixtures.boundClaim;
import static dev.takeover.engine.plan.Fixtures.cordoned;
import static dev.takeover.engine.plan.Fixtures.labeled;
import static dev.takeover.engine.plan.Fixtures.localVolume;
import static dev.takeover.engine.plan.Fixtures.networkVolume;
import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.pendingClaim;
import static dev.takeover.engine.plan.Fixtures.statefulSetPod;
import static dev.takeover.engine.plan.Fixtures.zonalVolume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Can the volumes follow their pods: local volumes, zonal volumes, claims not bound. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VolumePlanTest {

  private static Cluster mysqlOn(Cluster cluster) {
    return cluster
        .with(statefulSetPod("default", "mysql-0", "mysql", "kube-node02", "pvc-mysql-0"))
        .with(boundClaim("default", "pvc-mysql-0", "pv1"));
  }

  @Test
  void a_local_volume_pinned_to_the_node_is_refused_with_the_volume_named() {
    Plan plan = mysqlOn(Cluster.of(node("kube-node01"), node("kube-node02")))
        .with(localVolume("pv1", "kube-node02"))
        .plan("kube-node02");

    assertEquals(List.of("cannot evict pods whose volume only this node reaches: they would stay Pending until it is"
        + " back (use --allow-local-volumes): default/mysql-0 (PersistentVolume pv1)"), plan.refusalMessages());
  }

  @Test
  void a_local_volume_is_a_warning_with_allow_local_volumes_and_mysql_is_still_evicted() {
    Plan plan = mysqlOn(Cluster.of(node("kube-node01"), node("kube-node02")))
        .with(localVolume("pv1", "kube-node02"))
        .plan("kube-node02", PlanOptions.defaults().withAllowLocalVolumes(true));

    assertFalse(plan.refused(), plan.refusalMessages().toString());
    assertEquals(List.of("evicting pods whose volume only this node reaches: they stay Pending until it is back"
        + " (allowed by --allow-local-volumes): default/mysql-0 (PersistentVolume pv1)"), plan.warnings());
    assertEquals(1, plan.statefulPods().size());
  }

  @Test
  void a_zonal_volume_is_fine_when_another_node_is_in_the_zone() {
    Plan plan = mysqlOn(Cluster.of(labeled(node("kube-node01"), ZONE, "a"), labeled(node("kube-node02"), ZONE, "a")))
        .with(zonalVolume("pv1", "a"))
        .plan("kube-node02");

    assertFalse(plan.refused(), plan.refusalMessages().toString());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void a_zonal_volume_is_refused_when_the_other_node_of_the_zone_is_cordoned() {
    Plan plan = mysqlOn(Cluster.of(cordoned(labeled(node("kube-node01"), ZONE, "a")),
            labeled(node("kube-node02"), ZONE, "a"), labeled(node("kube-node03"), ZONE, "b")))
        .with(zonalVolume("pv1", "a"))
        .plan("kube-node02", PlanOptions.defaults().withMaxNodesInMaintenance(2));

    assertEquals(1, plan.refusals().size(), plan.refusalMessages().toString());
    assertEquals(List.of("default/mysql-0 (PersistentVolume pv1)"), plan.refusals().get(0).objects());
  }

  @Test
  void a_zonal_volume_whose_zone_has_other_nodes_but_not_for_this_pod_is_a_placement_warning() {
    Plan plan = mysqlOn(Cluster.of(labeled(node("kube-node01"), ZONE, "b"), labeled(node("kube-node02"), ZONE, "b")))
        .with(zonalVolume("pv1", "a"))
        .plan("kube-node02");

    assertFalse(plan.refused(), "the volume does not even reach this node: not a local volume");
    assertEquals(List.of("default/mysql-0 may stay Pending: no other Ready, schedulable node fits it"
        + " (the node affinity of PersistentVolume pv1 does not match: kube-node01)"), plan.warnings());
  }

  @Test
  void a_claim_that_is_not_Bound_has_no_volume_and_a_warning() {
    Plan plan = Cluster.of(node("kube-node01"), node("kube-node02"))
        .with(statefulSetPod("default", "mysql-0", "mysql", "kube-node02", "pvc-mysql-0", "pvc-logs-0"))
        .with(pendingClaim("default", "pvc-mysql-0"))
        .plan("kube-node02");

    assertFalse(plan.refused());
    assertEquals(List.of(new ClaimBinding("pvc-mysql-0", null), new ClaimBinding("pvc-logs-0", null)),
        plan.statefulPods().get(0).claims());
    assertEquals(List.of(
        "claims not Bound, their volumes cannot be checked after the move: default/pvc-mysql-0 (default/mysql-0, Pending)",
        "claims not found, their volumes cannot be checked after the move: default/pvc-logs-0 (default/mysql-0)"),
        plan.warnings());
  }

  @Test
  void a_bound_claim_whose_volume_was_not_fetched_is_a_warning() {
    Plan plan = mysqlOn(Cluster.of(node("kube-node01"), node("kube-node02"))).plan("kube-node02");

    assertEquals(List.of(new ClaimBinding("pvc-mysql-0", "pv1")), plan.statefulPods().get(0).claims());
    assertEquals(List.of("PersistentVolumes not found, their node affinity is not checked: pv1 (default/mysql-0)"),
        plan.warnings());
  }

  @Test
  void claims_of_pods_that_are_not_evicted_are_not_recorded() {
    Plan plan = mysqlOn(Cluster.of(node("kube-node01"), node("kube-node02")))
        .with(Fixtures.withPhase(statefulSetPod("default", "mysql-1", "mysql", "kube-node02", "pvc-mysql-1"), "Failed"))
        .with(networkVolume("pv1"))
        .plan("kube-node02");

    assertEquals(Action.DELETE, plan.pods().get(1).action());
    assertTrue(plan.pods().get(1).claims().isEmpty());
    assertFalse(plan.pods().get(1).stateful(), "a deleted pod is not awaited");
  }
}
