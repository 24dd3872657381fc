package dev.takeover.engine.recover;

import dev.takeover.config.NodeLabelSelector;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.recover.RecoverDecision.Facts;
import dev.takeover.engine.recover.RecoverDecision.Go;
import dev.takeover.engine.recover.RecoverDecision.NothingStuck;
import dev.takeover.engine.recover.RecoverDecision.Refused;
import dev.takeover.engine.recover.RecoverDecision.Request;
import dev.takeover.engine.recover.RecoverDecision.Verdict;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whether a node may be recovered, on facts built in the test: kube-node02 stopped renewing its Lease at T0 and has
 * mysql-0 (claim pvc-mysql-0 → pv1) on it; kube-master and kube-node01 run. The clock is given, never read.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RecoverDecisionTest {
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  static final RecoveryConfig MANUAL = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.MANUAL);
  static final Request ALICE_SAYS_OFF = new Request("slack", "alice", true, false);

  final Map<String, Node> nodes = new HashMap<>(Map.of(
      "kube-master", node("kube-master", true, Map.of()),
      "kube-node01", node("kube-node01", true, Map.of()),
      "kube-node02", node("kube-node02", false, Map.of("pool", "db"))));
  final Map<String, Lease> leases = new HashMap<>(Map.of(
      "kube-master", lease("kube-master", T0.plusSeconds(3600)),
      "kube-node01", lease("kube-node01", T0.plusSeconds(3600)),
      "kube-node02", lease("kube-node02", T0)));
  List<Pod> pods = List.of(mysql(), daemonSetPod());
  boolean maintenance;

  Verdict at(Duration after, Request r, RecoveryConfig c) {
    Instant now = T0.plus(after);
    return RecoverDecision.decide(new Facts(nodes.get("kube-node02"), List.copyOf(nodes.values()), leases, pods,
        List.of(claim()), maintenance, now), r, c);
  }

  @Test
  void a_node_down_past_recover_after_with_the_requesters_word_is_recovered_with_its_statefulset_pod_only() {
    Go go = assertInstanceOf(Go.class, at(Duration.ofMinutes(11), ALICE_SAYS_OFF, MANUAL));
    assertEquals(1, go.pods().size(), "the DaemonSet pod is not stuck: nothing replaces it elsewhere");
    assertEquals("default/mysql-0 (pvc-mysql-0 → pv1)", go.pods().get(0).toString());
    assertEquals("alice stated it is powered off", go.evidence());
    assertEquals(false, go.fence());
  }

  @Test
  void with_a_fencing_hook_the_hook_is_the_evidence_whatever_the_request_says() {
    Go go = assertInstanceOf(Go.class, at(Duration.ofMinutes(11), new Request("kafka", "bob", false, true), MANUAL));
    assertTrue(go.fence());
  }

  @Test
  void under_notify_nothing_is_recovered_and_an_automatic_request_needs_the_automatic_policy() {
    assertTrue(refusal(at(Duration.ofMinutes(11), ALICE_SAYS_OFF, RecoveryConfig.defaults())).contains("is notify"));
    Request auto = new Request(RecoverDecision.AUTOMATIC_SOURCE, "takeover", false, true);
    assertTrue(refusal(at(Duration.ofMinutes(11), auto, MANUAL)).contains("only a requested recovery"));
    RecoveryConfig dbAutomatic = RecoveryConfig.defaults().withAutomatic(NodeLabelSelector.parse("pool=db"));
    assertInstanceOf(Go.class, at(Duration.ofMinutes(11), auto, dbAutomatic));
  }

  @Test
  void a_node_whose_lease_is_still_renewed_is_alive_whatever_ready_says() {
    leases.put("kube-node02", lease("kube-node02", T0.plusSeconds(600)));
    String why = refusal(at(Duration.ofMinutes(10).plusSeconds(20), ALICE_SAYS_OFF, MANUAL));
    assertTrue(why.contains("Lease was renewed at 2026-12-02T10:10:00Z") && why.contains("not down"), why);
  }

  @Test
  void a_ready_node_is_never_recovered() {
    nodes.put("kube-node02", node("kube-node02", true, Map.of()));
    assertTrue(refusal(at(Duration.ofHours(1), ALICE_SAYS_OFF, MANUAL)).contains("kube-node02 is Ready"));
  }

  @Test
  void before_recover_after_the_refusal_says_when_it_may_be_asked_again() {
    String why = refusal(at(Duration.ofMinutes(3), ALICE_SAYS_OFF, MANUAL));
    assertTrue(why.contains("not been renewed for 3 min 0 s") && why.contains("2026-12-02T10:10:00Z"), why);
  }

  @Test
  void a_node_under_a_takeover_maintenance_is_not_recovered() {
    maintenance = true;
    assertTrue(refusal(at(Duration.ofMinutes(11), ALICE_SAYS_OFF, MANUAL)).contains("under a Takeover maintenance"));
  }

  @Test
  void with_two_of_three_nodes_down_none_is_recovered() {
    nodes.put("kube-node01", node("kube-node01", false, Map.of()));
    leases.put("kube-node01", lease("kube-node01", T0));
    String why = refusal(at(Duration.ofMinutes(11), ALICE_SAYS_OFF, MANUAL));
    assertTrue(why.startsWith("2 of 3 nodes are down (kube-node01, kube-node02), more than deadNodes.maxDownShare (1/3)"),
        why);
  }

  @Test
  void without_a_hook_or_the_requesters_word_nothing_is_recovered() {
    String why = refusal(at(Duration.ofMinutes(11), new Request("kafka", "bob", false, false), MANUAL));
    assertTrue(why.startsWith("no evidence that kube-node02 is off"), why);
  }

  @Test
  void a_down_node_without_statefulset_pods_needs_nothing() {
    pods = List.of(daemonSetPod());
    assertInstanceOf(NothingStuck.class, at(Duration.ofMinutes(11), ALICE_SAYS_OFF, MANUAL));
  }

  static String refusal(Verdict v) {
    return assertInstanceOf(Refused.class, v, () -> "not refused: " + v).reason();
  }

  static Node node(String name, boolean ready, Map<String, String> labels) {
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "Unknown")
        .withLastTransitionTime(T0.plusSeconds(50).toString()).endCondition().endStatus().build();
  }

  static Lease lease(String node, Instant renewed) {
    return new LeaseBuilder().withNewMetadata().withName(node).withNamespace("kube-node-lease").endMetadata()
        .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40)
        .withRenewTime(renewed.atZone(ZoneOffset.UTC)).endSpec().build();
  }

  static Pod mysql() {
    return new PodBuilder().withNewMetadata().withName("mysql-0").withNamespace("default").withUid("uid-mysql-0")
        .addNewOwnerReference().withKind("StatefulSet").withName("mysql").withController(true).endOwnerReference()
        .endMetadata().withNewSpec().withNodeName("kube-node02").addNewVolume().withName("data")
        .withNewPersistentVolumeClaim().withClaimName("pvc-mysql-0").endPersistentVolumeClaim().endVolume().endSpec()
        .build();
  }

  static Pod daemonSetPod() {
    return new PodBuilder().withNewMetadata().withName("kube-proxy-x").withNamespace("kube-system").withUid("uid-kp")
        .addNewOwnerReference().withKind("DaemonSet").withName("kube-proxy").withController(true).endOwnerReference()
        .endMetadata().withNewSpec().withNodeName("kube-node02").endSpec().build();
  }

  static PersistentVolumeClaim claim() {
    return new PersistentVolumeClaimBuilder().withNewMetadata().withName("pvc-mysql-0").withNamespace("default")
        .endMetadata().withNewSpec().withVolumeName("pv1").endSpec().build();
  }
}
