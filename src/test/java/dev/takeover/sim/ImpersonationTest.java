package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Requests that impersonate a ServiceAccount are authorized by RBAC over the stored roles and bindings, and denied with
 * a v1.32 server's 403 (the bodies below are what apierrors.NewForbidden and responsewriters.forbiddenMessage make of
 * the request's attributes); requests that impersonate nobody are the administrator's.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ImpersonationTest {
  static final String SA = "system:serviceaccount:takeover:takeover";
  static final String SA_QUOTED = "User \\\"" + SA + "\\\"";
  private SimulatedCluster cluster;
  private KubernetesClient admin;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().controllers().start(); // the API server alone: nothing moves on its own
    admin = cluster.client();
    for (String ns : new String[] {"takeover", "default", "shop"}) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    admin.pods().inNamespace("default").resource(pod("mysql-0")).create();
    admin.pods().inNamespace("default").resource(pod("web-1")).create();
    admin.pods().inNamespace("shop").resource(pod("pg-0")).create();
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void a_role_allows_its_verbs_in_its_namespace_and_nothing_else() {
    role("default", "pod-reader", rule("", "pods", "get", "list"));
    KubernetesClient sa = as(SA);

    assertEquals("mysql-0", sa.pods().inNamespace("default").withName("mysql-0").get().getMetadata().getName());
    assertEquals(2, sa.pods().inNamespace("default").list().getItems().size());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> sa.pods().inNamespace("shop").withName("pg-0").get()).getCode());
    assertEquals(403, assertThrows(KubernetesClientException.class, () -> sa.pods().inAnyNamespace().list()).getCode());

    RawApi.Answer delete = raw(SA).delete("/api/v1/namespaces/default/pods/mysql-0");
    assertEquals(403, delete.code());
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"pods \\\"mysql-0\\\" is forbidden: " + SA_QUOTED + " cannot delete resource \\\"pods\\\" in API group"
        + " \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"mysql-0\","
        + "\"kind\":\"pods\"},\"code\":403}", delete.body().trim());
    assertNotNull(admin.pods().inNamespace("default").withName("mysql-0").get(), "denied: still there");
  }

  @Test
  void a_cluster_role_allows_in_every_namespace_and_at_the_cluster_scope() {
    grant("view-some", rule("", "nodes", "list"), rule("", "pods", "list"));
    admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("kube-node01").endMetadata().build()).create();
    KubernetesClient sa = as(SA);

    assertEquals(1, sa.nodes().list().getItems().size());
    assertEquals(3, sa.pods().inAnyNamespace().list().getItems().size());
    assertEquals(1, sa.pods().inNamespace("shop").list().getItems().size());

    RawApi.Answer patch = raw(SA).patch("/api/v1/nodes/kube-node01", "application/merge-patch+json",
        "{\"spec\":{\"unschedulable\":true}}");
    assertEquals(403, patch.code());
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"nodes \\\"kube-node01\\\" is forbidden: " + SA_QUOTED + " cannot patch resource \\\"nodes\\\" in API group"
        + " \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"kube-node01\","
        + "\"kind\":\"nodes\"},\"code\":403}", patch.body().trim());
    RawApi.Answer budgets = raw(SA).get("/apis/policy/v1/poddisruptionbudgets");
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"poddisruptionbudgets.policy is forbidden: " + SA_QUOTED + " cannot list resource \\\"poddisruptionbudgets\\\""
        + " in API group \\\"policy\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"group\":\"policy\","
        + "\"kind\":\"poddisruptionbudgets\"},\"code\":403}", budgets.body().trim());
  }

  @Test
  void a_subresource_is_allowed_on_its_own_and_not_by_its_resources_rule() {
    grant("evictor", rule("", "pods/eviction", "create"));
    KubernetesClient sa = as(SA);

    assertEquals(true, sa.pods().inNamespace("default").withName("web-1").evict());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> sa.pods().inNamespace("default").withName("mysql-0").get()).getCode());

    String other = "system:serviceaccount:takeover:other";
    clusterRole("deleter", rule("", "pods", "*"));
    bindClusterRole("deleter", serviceAccount("takeover", "other"));
    RawApi.Answer evict = raw(other).post("/api/v1/namespaces/default/pods/mysql-0/eviction",
        "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"mysql-0\",\"namespace\":\"default\"}}");
    assertEquals(403, evict.code());
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"pods \\\"mysql-0\\\" is forbidden: User \\\"" + other + "\\\" cannot create resource"
        + " \\\"pods/eviction\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\","
        + "\"details\":{\"name\":\"mysql-0\",\"kind\":\"pods\"},\"code\":403}", evict.body().trim());
    assertEquals(200, raw(other).delete("/api/v1/namespaces/default/pods/mysql-0").code(), "pods * allows the delete");
  }

  @Test
  void resource_names_allow_the_named_objects_alone_and_a_list_only_when_it_selects_one_by_name() {
    role("default", "one-pod", new PolicyRuleBuilder().withApiGroups("").withResources("pods")
        .withResourceNames("mysql-0").withVerbs("get", "list").build());
    KubernetesClient sa = as(SA);

    assertNotNull(sa.pods().inNamespace("default").withName("mysql-0").get());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> sa.pods().inNamespace("default").withName("web-1").get()).getCode());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> sa.pods().inNamespace("default").list()).getCode());
    assertEquals(1, sa.pods().inNamespace("default").withField("metadata.name", "mysql-0").list().getItems().size());
  }

  @Test
  void a_watch_needs_the_watch_verb() throws Exception {
    role("default", "lister", rule("", "pods", "get", "list"));
    KubernetesClient sa = as(SA);
    RawApi.Answer watch = raw(SA).get("/api/v1/namespaces/default/pods?watch=true");
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"pods is forbidden: " + SA_QUOTED + " cannot watch resource \\\"pods\\\" in API group \\\"\\\" in the"
        + " namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"pods\"},\"code\":403}",
        watch.body().trim());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> sa.pods().inNamespace("default").watch(new Changes())).getCode());

    role("default", "watcher", rule("", "pods", "watch"));
    Changes changes = new Changes();
    try (Watch w = sa.pods().inNamespace("default").withName("web-1").watch(changes)) {
      admin.pods().inNamespace("default").withName("web-1").edit(p -> new PodBuilder(p).editMetadata()
          .addToLabels("moved", "yes").endMetadata().build());
      Pod seen = changes.labelled.get(10, TimeUnit.SECONDS);
      assertEquals("web-1", seen.getMetadata().getName());
    }
  }

  @Test
  void discovery_and_version_are_open_to_any_authenticated_user_and_other_paths_are_not() {
    RawApi sa = raw(SA);

    assertEquals(200, sa.get("/version").code());
    RawApi.Answer metrics = sa.get("/metrics");
    assertEquals(403, metrics.code());
    assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + "\"forbidden: " + SA_QUOTED + " cannot get path \\\"/metrics\\\"\",\"reason\":\"Forbidden\",\"details\":{},"
        + "\"code\":403}", metrics.body().trim());
  }

  @Test
  void groups_count_as_the_service_accounts_own_and_system_masters_may_do_anything() {
    bindClusterRole("all-pods", new SubjectBuilder().withKind("Group").withApiGroup("rbac.authorization.k8s.io")
        .withName("system:serviceaccounts:takeover").build());
    clusterRole("all-pods", rule("", "pods", "list"));

    assertEquals(3, as(SA).pods().inAnyNamespace().list().getItems().size());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> as("system:serviceaccount:shop:pg").pods().inAnyNamespace().list()).getCode());
    assertEquals(403, assertThrows(KubernetesClientException.class,
        () -> as(SA, "someone-else").pods().inAnyNamespace().list()).getCode(), "groups given: not the account's own");
    assertEquals(3, as("jane", "system:masters").pods().inAnyNamespace().list().getItems().size());
    admin.pods().inNamespace("shop").withName("pg-0").delete();
    assertEquals(2, admin.pods().inAnyNamespace().list().getItems().size(), "no impersonation: the administrator");
  }

  @Test
  void a_binding_to_a_missing_role_allows_nothing_and_the_denial_says_why() {
    admin.resource(new RoleBindingBuilder().withNewMetadata().withName("dangling").withNamespace("default").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "gone").withSubjects(serviceAccount("takeover", "takeover"))
        .build()).create();

    RawApi.Answer get = raw(SA).get("/api/v1/namespaces/default/pods/mysql-0");

    assertEquals(403, get.code());
    assertEquals("pods \"mysql-0\" is forbidden: User \"" + SA + "\" cannot get resource \"pods\" in API group \"\" in"
        + " the namespace \"default\": RBAC: role.rbac.authorization.k8s.io \"gone\" not found",
        ((java.util.Map<?, ?>) get.json()).get("message"));
  }

  /** Records the first MODIFIED pod that carries the label "moved". */
  private static final class Changes implements Watcher<Pod> {
    final CompletableFuture<Pod> labelled = new CompletableFuture<>();

    @Override
    public void eventReceived(Action action, Pod pod) {
      if (action == Action.MODIFIED && pod.getMetadata().getLabels().containsKey("moved")) {
        labelled.complete(pod);
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      labelled.completeExceptionally(cause);
    }
  }

  private KubernetesClient as(String user, String... groups) {
    return cluster.newClient(c -> c.withImpersonateUsername(user).withImpersonateGroups(groups)
        .withRequestRetryBackoffLimit(0));
  }

  private RawApi raw(String user) {
    return new RawApi(cluster, c -> c.withImpersonateUsername(user));
  }

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().addNewContainer()
        .withName("main").withImage("busybox").endContainer().endSpec().build();
  }

  private static PolicyRule rule(String group, String resource, String... verbs) {
    return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
  }

  private static Subject serviceAccount(String ns, String name) {
    return new SubjectBuilder().withKind("ServiceAccount").withName(name).withNamespace(ns).build();
  }

  /** A Role in {@code ns} bound to the takeover ServiceAccount. */
  private void role(String ns, String name, PolicyRule... rules) {
    create(new RoleBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withRules(rules).build());
    create(new RoleBindingBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", name).withSubjects(serviceAccount("takeover", "takeover"))
        .build());
  }

  /** A ClusterRole bound cluster-wide to the takeover ServiceAccount. */
  private void grant(String name, PolicyRule... rules) {
    clusterRole(name, rules);
    bindClusterRole(name, serviceAccount("takeover", "takeover"));
  }

  private void clusterRole(String name, PolicyRule... rules) {
    create(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build());
  }

  private void bindClusterRole(String role, Subject subject) {
    String name = role + "-" + subject.getName().replace(':', '-');
    create(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role).withSubjects(subject).build());
  }

  private void create(HasMetadata o) {
    admin.resource(o).create();
  }
}
