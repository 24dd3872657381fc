package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.boundClaim;
import static dev.takeover.engine.plan.Fixtures.controlPlane;
import static dev.takeover.engine.plan.Fixtures.daemonSetPod;
import static dev.takeover.engine.plan.Fixtures.hostPathVolume;
import static dev.takeover.engine.plan.Fixtures.networkVolume;
import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.statefulSetPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The seed's §12.3: kube-node02 runs mysql-0 of StatefulSet mysql (claim pvc-mysql-0 bound to pv1)
 * and the kube-system DaemonSet pods; kube-node01 is the other worker, kube-master a tainted
 * control plane. The manual procedure is cordon, drain --ignore-daemonsets, check, uncordon.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SeedNodeTest {

  private static Cluster seed() {
    return Cluster.of(controlPlane("kube-master"), node("kube-node01"), node("kube-node02"))
        .with(daemonSetPod("kube-system", "kube-proxy-xxxxx", "kube-proxy", "kube-node02"),
            statefulSetPod("default", "mysql-0", "mysql", "kube-node02", "pvc-mysql-0"),
            daemonSetPod("kube-system", "kube-flannel-ds-xxxxx", "kube-flannel-ds", "kube-node02"),
            daemonSetPod("kube-system", "kube-proxy-yyyyy", "kube-proxy", "kube-node01"))
        .with(boundClaim("default", "pvc-mysql-0", "pv1"))
        .with(hostPathVolume("pv1", "/mnt/pv1"));
  }

  @Test
  void mysql_0_is_evicted_and_awaited_with_its_claim_and_volume() {
    Plan plan = seed().plan("kube-node02");

    assertFalse(plan.refused(), plan.refusalMessages().toString());
    PlannedPod mysql = plan.toEvict().get(0);
    assertEquals(1, plan.toEvict().size());
    assertEquals(new PodRef("default", "mysql-0", "mysql-0-uid"), mysql.pod());
    assertTrue(mysql.stateful());
    assertEquals("StatefulSet", mysql.ownerKind());
    assertEquals("mysql", mysql.ownerName());
    assertEquals(List.of(new ClaimBinding("pvc-mysql-0", "pv1")), mysql.claims());
    assertEquals(30, mysql.gracePeriodSeconds());
    assertEquals(List.of(mysql), plan.statefulPods());
  }

  @Test
  void the_DaemonSet_pods_are_left_alone_and_nothing_is_deleted() {
    Plan plan = seed().plan("kube-node02");

    assertEquals(List.of("kube-system/kube-flannel-ds-xxxxx", "kube-system/kube-proxy-xxxxx"),
        plan.leftAlone().stream().map(p -> p.pod().key()).toList());
    assertTrue(plan.leftAlone().stream().allMatch(p -> p.reason().startsWith("DaemonSet-managed")));
    assertTrue(plan.toDelete().isEmpty());
  }

  @Test
  void pods_are_listed_by_namespace_and_name_whatever_order_they_were_fetched_in() {
    Plan plan = seed().plan("kube-node02");

    assertEquals(List.of("default/mysql-0", "kube-system/kube-flannel-ds-xxxxx", "kube-system/kube-proxy-xxxxx"),
        plan.pods().stream().map(p -> p.pod().key()).toList());
  }

  @Test
  void the_hostPath_volume_pv1_is_the_one_warning() {
    Plan plan = seed().plan("kube-node02");

    assertEquals(1, plan.warnings().size(), plan.warnings().toString());
    assertTrue(plan.warnings().get(0).startsWith("hostPath volumes have no node affinity"));
    assertTrue(plan.warnings().get(0).endsWith(": default/mysql-0 (PersistentVolume pv1, hostPath /mnt/pv1)"),
        plan.warnings().get(0));
  }

  @Test
  void on_a_network_volume_the_plan_has_nothing_to_say() {
    Plan plan = Cluster.of(controlPlane("kube-master"), node("kube-node01"), node("kube-node02"))
        .with(statefulSetPod("default", "mysql-0", "mysql", "kube-node02", "pvc-mysql-0"))
        .with(boundClaim("default", "pvc-mysql-0", "pv1"))
        .with(networkVolume("pv1"))
        .plan("kube-node02");

    assertFalse(plan.refused());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void the_same_cluster_gives_the_same_plan() {
    assertEquals(seed().plan("kube-node02"), seed().plan("kube-node02"));
  }
}
