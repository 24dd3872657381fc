package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.HOSTNAME;
import static dev.takeover.engine.plan.Fixtures.ZONE;
import static dev.takeover.engine.plan.Fixtures.controlPlane;
import static dev.takeover.engine.plan.Fixtures.cordoned;
import static dev.takeover.engine.plan.Fixtures.labeled;
import static dev.takeover.engine.plan.Fixtures.localVolume;
import static dev.takeover.engine.plan.Fixtures.networkVolume;
import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.notReady;
import static dev.takeover.engine.plan.Fixtures.pod;
import static dev.takeover.engine.plan.Fixtures.tainted;
import static dev.takeover.engine.plan.Fixtures.toleration;
import static dev.takeover.engine.plan.Fixtures.withNodeSelector;
import static dev.takeover.engine.plan.Fixtures.zonalVolume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeConditionsTest {
  private static final Taint DEDICATED_DB = new TaintBuilder().withKey("dedicated").withValue("db").withEffect("NoSchedule").build();

  static Stream<Arguments> tolerations() {
    return Stream.of(
        Arguments.of("Equal with the same key, value and effect tolerates", toleration("dedicated", "db", "Equal", "NoSchedule"), true),
        Arguments.of("an empty operator means Equal", toleration("dedicated", "db", null, "NoSchedule"), true),
        Arguments.of("Equal with another value does not tolerate", toleration("dedicated", "web", "Equal", "NoSchedule"), false),
        Arguments.of("Exists with the key tolerates any value", toleration("dedicated", null, "Exists", "NoSchedule"), true),
        Arguments.of("an empty effect tolerates every effect", toleration("dedicated", null, "Exists", null), true),
        Arguments.of("another effect does not tolerate", toleration("dedicated", null, "Exists", "NoExecute"), false),
        Arguments.of("another key does not tolerate", toleration("gpu", null, "Exists", "NoSchedule"), false),
        Arguments.of("Exists with an empty key tolerates every taint", toleration(null, null, "Exists", null), true),
        Arguments.of("an operator this code does not know does not tolerate", toleration("dedicated", "db", "Gt", "NoSchedule"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tolerations")
  void a_toleration_tolerates_a_taint_as_the_scheduler_says(String scenario, Toleration toleration, boolean expected) {
    assertEquals(expected, NodeConditions.tolerates(List.of(toleration), DEDICATED_DB), scenario);
  }

  static Stream<Arguments> requirements() {
    var labels = Fixtures.labels(HOSTNAME, "kube-node01", ZONE, "a", "cpus", "8");
    return Stream.of(
        Arguments.of("In matches a listed value", requirement(ZONE, "In", "a", "b"), labels, true),
        Arguments.of("NotIn matches a missing label", requirement("disktype", "NotIn", "ssd"), labels, true),
        Arguments.of("NotIn does not match a listed value", requirement(ZONE, "NotIn", "a"), labels, false),
        Arguments.of("Exists matches a present label", requirement(ZONE, "Exists"), labels, true),
        Arguments.of("DoesNotExist does not match a present label", requirement(ZONE, "DoesNotExist"), labels, false),
        Arguments.of("Gt compares the label as an integer", requirement("cpus", "Gt", "4"), labels, true),
        Arguments.of("Lt compares the label as an integer", requirement("cpus", "Lt", "4"), labels, false),
        Arguments.of("Gt on a label that is not an integer does not match", requirement(ZONE, "Gt", "4"), labels, false),
        Arguments.of("Gt on a missing label does not match", requirement("gpus", "Gt", "0"), labels, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requirements")
  void a_node_selector_requirement_matches_labels_as_the_scheduler_says(
      String scenario, NodeSelectorRequirement requirement, java.util.Map<String, String> labels, boolean expected) {
    assertEquals(expected, NodeSelectors.matches(requirement, labels), scenario);
  }

  @Test
  void a_node_is_Ready_only_when_its_Ready_condition_is_True() {
    assertTrue(NodeConditions.isReady(node("kube-node01")));
    assertFalse(NodeConditions.isReady(notReady(node("kube-node01"))));
  }

  @Test
  void a_cordoned_node_is_not_schedulable() {
    assertTrue(NodeConditions.isSchedulable(node("kube-node01")));
    assertFalse(NodeConditions.isSchedulable(cordoned(node("kube-node01"))));
  }

  @Test
  void a_control_plane_is_known_by_its_current_or_its_legacy_role_label() {
    assertTrue(NodeConditions.isControlPlane(controlPlane("kube-master")));
    assertTrue(NodeConditions.isControlPlane(labeled(node("old-master"), "node-role.kubernetes.io/master", "")));
    assertFalse(NodeConditions.isControlPlane(node("kube-node01")));
  }

  @Test
  void only_hard_taints_keep_a_pod_off_a_node() {
    Node soft = tainted(node("kube-node01"), "spot", "true", "PreferNoSchedule");
    Node hard = tainted(node("kube-node01"), "dedicated", "db", "NoExecute");

    assertTrue(NodeConditions.untoleratedTaint(List.of(), soft).isEmpty());
    assertEquals("dedicated=db:NoExecute", NodeConditions.describe(NodeConditions.untoleratedTaint(List.of(), hard).orElseThrow()));
  }

  @Test
  void the_unschedulable_taint_left_on_a_node_just_uncordoned_keeps_no_pod_off_it() {
    Node justUncordoned = tainted(node("kube-node01"), NodeConditions.UNSCHEDULABLE_TAINT, null, "NoSchedule");

    assertTrue(NodeConditions.untoleratedTaint(List.of(), justUncordoned).isEmpty());
    assertEquals("node.kubernetes.io/unschedulable:NoSchedule",
        NodeConditions.describe(NodeConditions.untoleratedTaint(List.of(), cordoned(justUncordoned)).orElseThrow()));
  }

  @Test
  void a_nodeSelector_needs_every_label_with_its_value() {
    Pod pinned = withNodeSelector(withNodeSelector(pod("default", "x", "kube-node02"), ZONE, "a"), "disktype", "ssd");
    Node zoneA = labeled(node("kube-node01"), ZONE, "a");

    assertFalse(NodeConditions.matchesNodeSelector(pinned, zoneA));
    assertTrue(NodeConditions.matchesNodeSelector(pinned, labeled(zoneA, "disktype", "ssd")));
    assertTrue(NodeConditions.matchesNodeSelector(pod("default", "x", "kube-node02"), zoneA));
  }

  @Test
  void required_affinity_terms_are_ORed_and_their_requirements_ANDed() {
    Pod pod = withAffinity(
        term(requirement(ZONE, "In", "a"), requirement("disktype", "In", "ssd")),
        term(requirement(ZONE, "In", "b")));

    assertFalse(NodeConditions.matchesRequiredAffinity(pod, labeled(node("n1"), ZONE, "a")), "first term half matched");
    assertTrue(NodeConditions.matchesRequiredAffinity(pod, labeled(labeled(node("n1"), ZONE, "a"), "disktype", "ssd")));
    assertTrue(NodeConditions.matchesRequiredAffinity(pod, labeled(node("n2"), ZONE, "b")), "second term");
    assertTrue(NodeConditions.matchesRequiredAffinity(pod("default", "free", "n0"), node("n1")), "no affinity at all");
  }

  @Test
  void matchFields_compare_the_node_name() {
    Pod daemonLike = withAffinity(new NodeSelectorTermBuilder()
        .withMatchFields(requirement("metadata.name", "In", "kube-node01")).build());

    assertTrue(NodeConditions.matchesRequiredAffinity(daemonLike, node("kube-node01")));
    assertFalse(NodeConditions.matchesRequiredAffinity(daemonLike, node("kube-node02")));
  }

  @Test
  void an_empty_term_matches_no_node() {
    assertFalse(NodeConditions.matchesRequiredAffinity(withAffinity(new NodeSelectorTerm()), node("kube-node01")));
  }

  @Test
  void a_volume_reaches_the_nodes_its_affinity_names() {
    Node node1 = labeled(node("kube-node01"), ZONE, "a");

    assertTrue(NodeConditions.matchesVolumeAffinity(networkVolume("pv-net"), node1), "no affinity: every node");
    assertTrue(NodeConditions.matchesVolumeAffinity(localVolume("pv-local", "kube-node01"), node1));
    assertFalse(NodeConditions.matchesVolumeAffinity(localVolume("pv-local", "kube-node02"), node1));
    assertTrue(NodeConditions.matchesVolumeAffinity(zonalVolume("pv-zonal", "a"), node1));
    assertFalse(NodeConditions.matchesVolumeAffinity(zonalVolume("pv-zonal", "b"), node1));
  }

  private static NodeSelectorRequirement requirement(String key, String operator, String... values) {
    return new NodeSelectorRequirementBuilder().withKey(key).withOperator(operator).withValues(values).build();
  }

  private static NodeSelectorTerm term(NodeSelectorRequirement... requirements) {
    return new NodeSelectorTermBuilder().withMatchExpressions(requirements).build();
  }

  private static Pod withAffinity(NodeSelectorTerm... terms) {
    return new PodBuilder(pod("default", "x", "kube-node02"))
        .editSpec()
        .withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNodeSelectorTerms(terms)
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
        .endSpec()
        .build();
  }
}
