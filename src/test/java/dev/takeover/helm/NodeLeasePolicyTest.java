package dev.takeover.helm;

import dev.takeover.helm.AdmissionPolicy.Admitted;
import dev.takeover.helm.AdmissionPolicy.Denied;
import dev.takeover.helm.AdmissionPolicy.Request;
import dev.takeover.helm.AdmissionPolicy.Skipped;
import dev.takeover.helm.AdmissionPolicy.Verdict;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's ValidatingAdmissionPolicy on kube-node-lease (templates/nodeleasepolicy.yaml), its CEL evaluated for
 * real against the writes a compromised Takeover could make and the ones it makes every day: Takeover's
 * ServiceAccount writes its own guard Leases and nothing else there, and nobody else is even looked at.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeLeasePolicyTest {
  static final String POLICY = Chart.RELEASE + "-node-leases";
  static final String TAKEOVER = "system:serviceaccount:" + Chart.NAMESPACE + ":" + Chart.RELEASE;
  static final String SA_GROUPS = "system:serviceaccounts";
  static final String NODE_LEASES = "kube-node-lease";

  final AdmissionPolicy policy = AdmissionPolicy.of(Chart.objects(Chart.template()), POLICY);

  @Test
  void the_policy_is_rendered_by_default_denies_on_error_and_is_bound_to_deny() {
    List<HasMetadata> objects = Chart.objects(Chart.template());
    ValidatingAdmissionPolicy p = ChartTest.one(objects, ValidatingAdmissionPolicy.class);
    ValidatingAdmissionPolicyBinding b = ChartTest.one(objects, ValidatingAdmissionPolicyBinding.class);
    assertEquals("admissionregistration.k8s.io/v1", p.getApiVersion());
    assertEquals("Fail", p.getSpec().getFailurePolicy());
    assertEquals(POLICY, b.getSpec().getPolicyName());
    assertEquals(List.of("Deny"), b.getSpec().getValidationActions());
  }

  @Test
  void disabled_neither_the_policy_nor_its_binding_is_rendered() {
    List<HasMetadata> objects = Chart.objects(Chart.template(List.of(), Map.of("rbac.nodeLeasePolicy.enabled", false)));
    assertTrue(objects.stream().noneMatch(o -> o.getKind().startsWith("ValidatingAdmissionPolicy")),
        objects.stream().map(HasMetadata::getKind).toList().toString());
    assertTrue(objects.stream().anyMatch(o -> o.getKind().equals("Deployment")), "the rest is still there");
  }

  @Test
  void takeover_creates_renews_and_lets_go_of_its_guard_lease() {
    Lease created = guard("kube-node02");
    assertEquals(new Admitted(), policy.admit(takeover("CREATE", created, null)));
    Lease renewed = new LeaseBuilder(created).editSpec().withRenewTime(at(12)).endSpec().build();
    assertEquals(new Admitted(), policy.admit(takeover("UPDATE", renewed, created)));
    Lease letGo = new LeaseBuilder(renewed).editSpec().withHolderIdentity(null).endSpec().build();
    assertEquals(new Admitted(), policy.admit(takeover("UPDATE", letGo, renewed)));
  }

  @Test
  void takeover_creating_a_kubelets_lease_is_denied_even_with_its_label() {
    Denied d = denied(policy.admit(takeover("CREATE", labelled(heartbeat("kube-node01")), null)));
    assertEquals("Forbidden", d.reason());
    assertEquals("ValidatingAdmissionPolicy '" + POLICY + "' with binding '" + POLICY + "' denied request: Takeover "
        + "writes only its guard Leases, takeover-<node>, in kube-node-lease; any other Lease there is a kubelet's "
        + "heartbeat", d.message());
  }

  @Test
  void takeover_renewing_a_dead_nodes_heartbeat_is_denied() {
    Lease beat = heartbeat("kube-node01");
    Lease faked = new LeaseBuilder(beat).editSpec().withRenewTime(at(40)).endSpec().build();
    assertTrue(denied(policy.admit(takeover("UPDATE", faked, beat))).message().contains("only its guard Leases"));
  }

  @Test
  void a_guard_lease_without_takeovers_label_is_denied() {
    Lease unlabelled = new LeaseBuilder(guard("kube-node02")).editMetadata().withLabels(Map.of()).endMetadata().build();
    assertTrue(denied(policy.admit(takeover("CREATE", unlabelled, null))).message()
        .endsWith("Takeover's guard Leases carry the label app.kubernetes.io/managed-by=takeover"));
  }

  @Test
  void updating_the_heartbeat_of_a_node_named_takeover_x_is_denied_even_when_the_update_adds_the_label() {
    Lease beat = heartbeat("takeover-x");
    assertTrue(denied(policy.admit(takeover("UPDATE", renewedBy(beat), beat))).message().endsWith("carry the label "
        + "app.kubernetes.io/managed-by=takeover"));
    // Before the kubelet could read its Node it had no owner to give its Lease: the old label is then all that tells.
    for (Lease before : List.of(beat, unowned(beat))) {
      for (Lease written : List.of(labelled(renewedBy(before)), unowned(labelled(renewedBy(before))))) {
        Denied d = denied(policy.admit(takeover("UPDATE", written, before)));
        assertTrue(d.message().contains("updates only the Leases it created"), d.message());
      }
    }
  }

  @Test
  void a_guard_lease_a_kubelet_adopted_is_a_heartbeat_whatever_its_label() {
    // Made under a future node's name, then taken by that node's kubelet, which made its Node the owner.
    Lease adopted = owned(guard("takeover-x"), "takeover-x");
    for (Lease written : List.of(renewedBy(adopted), unowned(renewedBy(adopted)))) {
      Denied d = denied(policy.admit(takeover("UPDATE", written, adopted)));
      assertTrue(d.message().contains("an owned Lease in kube-node-lease is a kubelet's heartbeat"), d.message());
    }
    assertInstanceOf(Denied.class, policy.admit(takeover("CREATE", owned(guard("kube-node02"), "kube-node02"), null)));
  }

  @Test
  void kubelets_and_every_other_user_are_not_evaluated() {
    Lease beat = heartbeat("kube-node01");
    Lease renewed = renewedBy(beat);
    for (Request r : List.of(
        request("UPDATE", NODE_LEASES, "system:node:kube-node01", List.of("system:nodes"), renewed, beat),
        request("CREATE", NODE_LEASES, "system:node:kube-node03", List.of("system:nodes"), heartbeat("kube-node03"), null),
        request("UPDATE", NODE_LEASES, "kubernetes-admin", List.of("kubeadm:cluster-admins"), renewed, beat),
        request("UPDATE", NODE_LEASES, "system:serviceaccount:other:takeover", List.of(SA_GROUPS), renewed, beat))) {
      Verdict v = policy.admit(r);
      assertEquals(new Skipped("match condition takeover-service-account is false"), v, r.username());
    }
  }

  @Test
  void takeovers_leader_lease_in_its_own_namespace_and_deletes_are_left_alone() {
    Lease leader = new LeaseBuilder().withNewMetadata().withNamespace(Chart.NAMESPACE).withName(Chart.RELEASE)
        .endMetadata().withNewSpec().withHolderIdentity("takeover-5d4f8-x2x7q").endSpec().build();
    assertInstanceOf(Skipped.class, policy.admit(request("CREATE", Chart.NAMESPACE, TAKEOVER, List.of(SA_GROUPS),
        leader, null)));
    assertInstanceOf(Skipped.class, policy.admit(takeover("DELETE", null, heartbeat("kube-node01"))));
  }

  @Test
  void two_releases_have_their_own_policy_each_confining_its_own_service_account() {
    List<HasMetadata> other = Chart.objects(Chart.template("takeover-b", "ops", List.of(), Map.of()));
    AdmissionPolicy b = AdmissionPolicy.of(other, "takeover-b-node-leases");
    assertNotEquals(policy.binding.getMetadata().getName(), b.binding.getMetadata().getName());
    Lease beat = heartbeat("kube-node01");
    assertInstanceOf(Skipped.class, b.admit(takeover("UPDATE", renewedBy(beat), beat)));
    Request fromB = request("UPDATE", NODE_LEASES, "system:serviceaccount:ops:takeover-b", List.of(SA_GROUPS),
        renewedBy(beat), beat);
    assertInstanceOf(Denied.class, b.admit(fromB));
    assertInstanceOf(Skipped.class, policy.admit(fromB));
  }

  /** A guard Lease as NodeGuard creates it (GuardLease.fresh). */
  static Lease guard(String node) {
    return new LeaseBuilder().withNewMetadata().withNamespace(NODE_LEASES).withName("takeover-" + node)
        .addToLabels("app.kubernetes.io/managed-by", "takeover").addToAnnotations("takeover.dev/run", "HELM-1/1")
        .addToAnnotations("takeover.dev/ticket", "HELM-1").endMetadata()
        .withNewSpec().withHolderIdentity("takeover-5d4f8-x2x7q").withLeaseDurationSeconds(30)
        .withAcquireTime(at(0)).withRenewTime(at(0)).withLeaseTransitions(0).endSpec().build();
  }

  /** A kubelet's Lease: named after its node, held by it, owned by its Node. */
  static Lease heartbeat(String node) {
    return owned(new LeaseBuilder().withNewMetadata().withNamespace(NODE_LEASES).withName(node).endMetadata()
        .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40).withRenewTime(at(0)).endSpec().build(), node);
  }

  static Lease owned(Lease lease, String node) {
    return new LeaseBuilder(lease).editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node")
        .withName(node).withUid("5f1c0c2e-0000-4000-8000-00000000000" + node.length()).endOwnerReference().endMetadata()
        .build();
  }

  static Lease labelled(Lease lease) {
    return new LeaseBuilder(lease).editMetadata().addToLabels("app.kubernetes.io/managed-by", "takeover").endMetadata()
        .build();
  }

  static Lease unowned(Lease lease) {
    return new LeaseBuilder(lease).editMetadata().withOwnerReferences(List.of()).endMetadata().build();
  }

  static Lease renewedBy(Lease lease) {
    return new LeaseBuilder(lease).editSpec().withHolderIdentity("takeover-5d4f8-x2x7q").withRenewTime(at(40)).endSpec()
        .build();
  }

  private static ZonedDateTime at(int second) {
    return ZonedDateTime.of(2026, 3, 14, 9, 0, second, 0, ZoneOffset.UTC);
  }

  static Request takeover(String operation, Lease object, Lease oldObject) {
    return request(operation, NODE_LEASES, TAKEOVER, List.of(SA_GROUPS, "system:serviceaccounts:" + Chart.NAMESPACE,
        "system:authenticated"), object, oldObject);
  }

  static Request request(String operation, String namespace, String user, List<String> groups, Lease object,
                         Lease oldObject) {
    String name = (object != null ? object : oldObject).getMetadata().getName();
    return new Request(operation, "coordination.k8s.io", "v1", "leases", namespace, name, user, groups,
        AdmissionPolicy.json(object), AdmissionPolicy.json(oldObject));
  }

  private static Denied denied(Verdict v) {
    return assertInstanceOf(Denied.class, v);
  }
}
