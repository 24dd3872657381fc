package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Action.DELETE;
import static dev.takeover.engine.plan.Action.EVICT;
import static dev.takeover.engine.plan.Action.LEAVE;
import static dev.takeover.engine.plan.Action.REFUSE;
import static dev.takeover.engine.plan.Fixtures.daemonSetPod;
import static dev.takeover.engine.plan.Fixtures.mirror;
import static dev.takeover.engine.plan.Fixtures.ownedBy;
import static dev.takeover.engine.plan.Fixtures.pod;
import static dev.takeover.engine.plan.Fixtures.replicaSetPod;
import static dev.takeover.engine.plan.Fixtures.statefulSetPod;
import static dev.takeover.engine.plan.Fixtures.terminating;
import static dev.takeover.engine.plan.Fixtures.withEmptyDir;
import static dev.takeover.engine.plan.Fixtures.withPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodFiltersTest {
  private static final String NODE = "kube-node02";
  private static final PlanOptions DEFAULTS = PlanOptions.defaults();
  private static final PlanOptions EMPTYDIR_OK = DEFAULTS.withDeleteEmptyDirData(true);
  private static final PlanOptions FORCE = DEFAULTS.withForce(true);

  static Stream<Arguments> pods() {
    Pod mysql = statefulSetPod("default", "mysql-0", "mysql", NODE, "pvc-mysql-0");
    Pod web = replicaSetPod("default", "web-7d4b9-x2x9p", NODE);
    Pod bare = pod("default", "debug", NODE);
    Pod flannel = daemonSetPod("kube-system", "kube-flannel-ds-xxxxx", "kube-flannel-ds", NODE);
    Pod etcd = mirror(ownedBy(pod("kube-system", "etcd-kube-node02", NODE), "Node", NODE));
    return Stream.of(
        Arguments.of("a pod owned by a DaemonSet is left alone", flannel, DEFAULTS, LEAVE),
        Arguments.of("a DaemonSet pod is left alone even with --force", flannel, FORCE, LEAVE),
        Arguments.of("a terminating DaemonSet pod is still left alone", terminating(flannel), DEFAULTS, LEAVE),
        Arguments.of("a finished DaemonSet pod is deleted, as kubectl deletes it", withPhase(flannel, "Failed"), DEFAULTS, DELETE),
        Arguments.of("a mirror pod of a static pod is left alone", etcd, DEFAULTS, LEAVE),
        Arguments.of("a mirror pod is left alone even when finished", withPhase(etcd, "Succeeded"), DEFAULTS, LEAVE),
        Arguments.of("a pod that Succeeded is deleted", withPhase(web, "Succeeded"), DEFAULTS, DELETE),
        Arguments.of("a Failed bare pod using emptyDir is deleted, no flag needed", withPhase(withEmptyDir(bare), "Failed"), DEFAULTS, DELETE),
        Arguments.of("a terminating pod is evicted: the drain waits for it", terminating(mysql), DEFAULTS, EVICT),
        Arguments.of("a terminating bare pod using emptyDir is evicted all the same", terminating(withEmptyDir(bare)), DEFAULTS, EVICT),
        Arguments.of("a StatefulSet pod with a claim is evicted", mysql, DEFAULTS, EVICT),
        Arguments.of("a ReplicaSet pod is evicted", web, DEFAULTS, EVICT),
        Arguments.of("a pod using emptyDir is refused", withEmptyDir(web), DEFAULTS, REFUSE),
        Arguments.of("a pod using emptyDir is evicted with --delete-emptydir-data", withEmptyDir(web), EMPTYDIR_OK, EVICT),
        Arguments.of("a pod using emptyDir is still refused with only --force", withEmptyDir(web), FORCE, REFUSE),
        Arguments.of("a pod that declares no controller is refused", bare, DEFAULTS, REFUSE),
        Arguments.of("a pod whose only owner is not its controller is refused", notController(bare), DEFAULTS, REFUSE),
        Arguments.of("a pod that declares no controller is evicted with --force", bare, FORCE, EVICT),
        Arguments.of("a bare pod using emptyDir is refused with only --delete-emptydir-data", withEmptyDir(bare), EMPTYDIR_OK, REFUSE),
        Arguments.of("a bare pod using emptyDir is evicted with both flags", withEmptyDir(bare), FORCE.withDeleteEmptyDirData(true), EVICT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void each_pod_gets_the_verdict_of_kubectl_drain_ignore_daemonsets(String scenario, Pod pod, PlanOptions options, Action expected) {
    assertEquals(expected, PodFilters.verdict(pod, options).action(), scenario);
  }

  @Test
  void a_pod_using_emptyDir_is_refused_with_the_flag_that_overrides_it() {
    PodVerdict verdict = PodFilters.verdict(withEmptyDir(replicaSetPod("default", "web-7d4b9-x2x9p", NODE)), DEFAULTS);

    assertEquals("cannot evict pods using emptyDir", verdict.reason());
    assertEquals("use --delete-emptydir-data", verdict.remedy());
    assertEquals("cannot evict pods using emptyDir (use --delete-emptydir-data)", verdict.describe());
  }

  @Test
  void a_bare_pod_is_refused_with_the_flag_that_overrides_it() {
    PodVerdict verdict = PodFilters.verdict(pod("default", "debug", NODE), DEFAULTS);

    assertTrue(verdict.reason().startsWith("cannot evict pods that declare no controller"), verdict.reason());
    assertEquals("use --force", verdict.remedy());
  }

  @Test
  void a_bare_pod_using_emptyDir_is_refused_for_its_emptyDir_first_as_kubectl_does() {
    PodVerdict verdict = PodFilters.verdict(withEmptyDir(pod("default", "debug", NODE)), DEFAULTS);

    assertEquals("use --delete-emptydir-data", verdict.remedy());
  }

  @Test
  void an_evicted_pod_says_what_recreates_it() {
    PodVerdict verdict = PodFilters.verdict(statefulSetPod("default", "mysql-0", "mysql", NODE), DEFAULTS);

    assertEquals("evict: its StatefulSet mysql recreates it", verdict.reason());
  }

  @Test
  void a_forced_pod_using_emptyDir_says_both_what_is_lost_and_which_flags_allowed_it() {
    PodVerdict verdict = PodFilters.verdict(withEmptyDir(pod("default", "debug", NODE)),
        FORCE.withDeleteEmptyDirData(true));

    assertTrue(verdict.reason().contains("--force") && verdict.reason().contains("--delete-emptydir-data"),
        verdict.reason());
  }

  @Test
  void no_filter_has_an_opinion_on_a_running_StatefulSet_pod() {
    Pod mysql = statefulSetPod("default", "mysql-0", "mysql", NODE, "pvc-mysql-0");

    PodFilters.inOrder().forEach(filter -> assertNull(filter.apply(mysql, DEFAULTS)));
  }

  @Test
  void overridden_checks_are_all_kept_for_the_warnings() {
    Pod bareWithScratch = withEmptyDir(pod("default", "debug", NODE));

    assertEquals(2, PodFilters.overridden(bareWithScratch, FORCE.withDeleteEmptyDirData(true)).size());
    assertEquals(0, PodFilters.overridden(bareWithScratch, DEFAULTS).size());
  }

  private static Pod notController(Pod pod) {
    return new PodBuilder(ownedBy(pod, "ReplicaSet", "orphan"))
        .editMetadata().editFirstOwnerReference().withController(false).endOwnerReference().endMetadata()
        .build();
  }
}
