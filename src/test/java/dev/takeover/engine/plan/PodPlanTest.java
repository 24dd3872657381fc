package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.HOSTNAME;
import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.pod;
import static dev.takeover.engine.plan.Fixtures.replicaSetPod;
import static dev.takeover.engine.plan.Fixtures.statefulSetPod;
import static dev.takeover.engine.plan.Fixtures.tainted;
import static dev.takeover.engine.plan.Fixtures.withEmptyDir;
import static dev.takeover.engine.plan.Fixtures.withGracePeriod;
import static dev.takeover.engine.plan.Fixtures.withNodeSelector;
import static dev.takeover.engine.plan.Fixtures.withPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** What happens to the pods: refusals grouped kubectl's way, finished pods, where they can go. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodPlanTest {
  private static final PlanOptions DEFAULTS = PlanOptions.defaults();

  private static Cluster twoWorkers() {
    return Cluster.of(node("kube-node01"), node("kube-node02"));
  }

  @Test
  void pods_using_emptyDir_are_refused_in_one_line_that_names_them_all() {
    Plan plan = twoWorkers()
        .with(withEmptyDir(replicaSetPod("default", "web-7d4b9-bbbbb", "kube-node02")),
            withEmptyDir(replicaSetPod("default", "web-7d4b9-aaaaa", "kube-node02")))
        .plan("kube-node02");

    assertEquals(List.of("cannot evict pods using emptyDir (use --delete-emptydir-data):"
        + " default/web-7d4b9-aaaaa, default/web-7d4b9-bbbbb"), plan.refusalMessages());
    assertEquals(2, plan.refusedPods().size());
    assertTrue(plan.toEvict().isEmpty());
  }

  @Test
  void pods_using_emptyDir_are_evicted_with_delete_emptydir_data_and_a_warning() {
    Plan plan = twoWorkers()
        .with(withEmptyDir(replicaSetPod("default", "web-7d4b9-aaaaa", "kube-node02")))
        .plan("kube-node02", DEFAULTS.withDeleteEmptyDirData(true));

    assertFalse(plan.refused());
    assertEquals(1, plan.toEvict().size());
    assertEquals(List.of("evicting pods using emptyDir, whose data is lost (allowed by --delete-emptydir-data):"
        + " default/web-7d4b9-aaaaa"), plan.warnings());
  }

  @Test
  void only_evicted_pods_are_warned_about_what_a_flag_let_through() {
    Plan plan = twoWorkers()
        .with(withEmptyDir(Fixtures.daemonSetPod("kube-system", "node-exporter-xxxxx", "node-exporter", "kube-node02")),
            withEmptyDir(pod("default", "debug", "kube-node02")))
        .plan("kube-node02", DEFAULTS.withDeleteEmptyDirData(true));

    assertEquals(List.of(), plan.warnings(), "the DaemonSet pod stays, the bare pod is refused");
    assertEquals(List.of("default/debug"), plan.refusedPods().stream().map(p -> p.pod().key()).toList());
  }

  @Test
  void a_bare_pod_is_refused() {
    Plan plan = twoWorkers().with(pod("default", "debug", "kube-node02")).plan("kube-node02");

    assertEquals(List.of("cannot evict pods that declare no controller, nothing would recreate them"
        + " (use --force): default/debug"), plan.refusalMessages());
  }

  @Test
  void a_bare_pod_is_evicted_with_force_and_a_warning_and_is_not_awaited() {
    Plan plan = twoWorkers().with(pod("default", "debug", "kube-node02")).plan("kube-node02", DEFAULTS.withForce(true));

    assertFalse(plan.refused());
    PlannedPod debug = plan.toEvict().get(0);
    assertEquals(null, debug.ownerKind());
    assertFalse(debug.stateful());
    assertEquals(List.of("evicting pods that declare no controller, nothing will recreate them (allowed by --force):"
        + " default/debug"), plan.warnings());
  }

  @Test
  void a_finished_pod_is_deleted_and_nothing_is_refused_or_awaited() {
    Plan plan = twoWorkers()
        .with(withPhase(withEmptyDir(pod("default", "backup-29000000-abcde", "kube-node02")), "Succeeded"))
        .plan("kube-node02");

    assertFalse(plan.refused());
    assertEquals(List.of("default/backup-29000000-abcde"), plan.toDelete().stream().map(p -> p.pod().key()).toList());
    assertEquals("finished (Succeeded): deleted, nothing to wait for", plan.toDelete().get(0).reason());
  }

  @Test
  void the_grace_period_is_the_pods_own_or_30_seconds() {
    Plan plan = twoWorkers()
        .with(withGracePeriod(statefulSetPod("default", "mysql-0", "mysql", "kube-node02"), 120),
            statefulSetPod("default", "mysql-1", "mysql", "kube-node02"))
        .plan("kube-node02");

    assertEquals(List.of(120L, 30L), plan.pods().stream().map(PlannedPod::gracePeriodSeconds).toList());
  }

  @Test
  void a_pod_pinned_to_this_node_by_its_nodeSelector_is_a_warning_not_a_refusal() {
    Plan plan = twoWorkers()
        .with(withNodeSelector(statefulSetPod("default", "mysql-0", "mysql", "kube-node02"), HOSTNAME, "kube-node02"))
        .plan("kube-node02");

    assertFalse(plan.refused());
    assertEquals(List.of("default/mysql-0 may stay Pending: no other Ready, schedulable node fits it"
        + " (its nodeSelector {kubernetes.io/hostname=kube-node02} does not match: kube-node01)"), plan.warnings());
  }

  @Test
  void the_placement_warning_says_why_each_node_does_not_fit() {
    Plan plan = Cluster.of(node("kube-node02"), node("kube-node01"), node("kube-node03"),
            tainted(node("kube-node04"), "dedicated", "db", "NoSchedule"))
        .with(withNodeSelector(statefulSetPod("default", "mysql-0", "mysql", "kube-node02"), HOSTNAME, "kube-node02"))
        .plan("kube-node02");

    assertEquals(List.of("default/mysql-0 may stay Pending: no other Ready, schedulable node fits it"
        + " (its nodeSelector {kubernetes.io/hostname=kube-node02} does not match: kube-node01, kube-node03;"
        + " taint dedicated=db:NoSchedule not tolerated: kube-node04)"), plan.warnings());
  }

  @Test
  void a_pod_one_other_node_fits_gets_no_placement_warning() {
    Plan plan = Cluster.of(node("kube-node02"), tainted(node("kube-node01"), "dedicated", "db", "NoSchedule"),
            Fixtures.labeled(node("kube-node03"), "disktype", "ssd"))
        .with(withNodeSelector(statefulSetPod("default", "mysql-0", "mysql", "kube-node02"), "disktype", "ssd"))
        .plan("kube-node02");

    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void a_pod_listed_for_the_node_but_bound_elsewhere_is_left_out_with_a_warning() {
    var view = twoWorkers()
        .with(statefulSetPod("default", "mysql-0", "mysql", "kube-node02"))
        .draining("kube-node02");
    var listedByMistake = new ClusterView(view.node(),
        List.of(view.podsOnNode().get(0), replicaSetPod("default", "web-7d4b9-aaaaa", "kube-node01")),
        view.nodes(), view.claims(), view.volumes(), view.pdbs());

    Plan plan = Planner.plan(listedByMistake, DEFAULTS);

    assertEquals(List.of("default/mysql-0"), plan.pods().stream().map(p -> p.pod().key()).toList());
    assertEquals(List.of("ignoring pods listed for kube-node02 that are not bound to it:"
        + " default/web-7d4b9-aaaaa (on kube-node01)"), plan.warnings());
  }
}
