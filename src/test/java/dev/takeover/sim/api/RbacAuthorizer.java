package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The RBAC authorizer of kube-apiserver (plugin/pkg/auth/authorizer/rbac/rbac.go, v1.32) over the stored Roles,
 * ClusterRoles and their bindings: a request is allowed when a rule of a role bound to the user, or to one of its
 * groups, allows it; ClusterRoleBindings count everywhere, RoleBindings only for requests in their namespace. A
 * binding whose role is missing allows nothing and gives the denial its reason ("RBAC: role.rbac... not found"), as
 * the real authorizer does. The bootstrap policy that every cluster has (system:discovery, system:public-info-viewer,
 * system:basic-user, bound to system:authenticated; cluster-admin) is built in rather than stored: the simulator's other users list
 * ClusterRoles and should not find the ~70 of a real cluster. Aggregated ClusterRoles are not aggregated.
 */
final class RbacAuthorizer {
  /** Authorized for everything before RBAC is asked (kube-apiserver's privileged group). */
  static final String MASTERS = "system:masters";
  static final String AUTHENTICATED = "system:authenticated";
  private static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";

  /** An identity: the user's name and every group it is in. */
  record User(String name, List<String> groups) {}

  /** Allowed or not; {@code reason} is "" or what the real authorizer adds to a denial's message. */
  record Decision(boolean allowed, String reason) {}

  private static final Map<String, ClusterRole> BOOTSTRAP_ROLES = Map.of(
      // Bound to nobody here (system:masters needs no binding), but a binding of one's own may name it.
      "cluster-admin", clusterRole("cluster-admin",
          new PolicyRuleBuilder().withVerbs("*").withApiGroups("*").withResources("*").build(),
          new PolicyRuleBuilder().withVerbs("*").withNonResourceURLs("*").build()),
      "system:discovery", clusterRole("system:discovery", new PolicyRuleBuilder().withVerbs("get")
          .withNonResourceURLs("/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*",
              "/api", "/api/*", "/apis", "/apis/*").build()),
      "system:public-info-viewer", clusterRole("system:public-info-viewer", new PolicyRuleBuilder().withVerbs("get")
          .withNonResourceURLs("/livez", "/readyz", "/healthz", "/version", "/version/").build()),
      "system:basic-user", clusterRole("system:basic-user",
          new PolicyRuleBuilder().withVerbs("create").withApiGroups("authorization.k8s.io")
              .withResources("selfsubjectaccessreviews", "selfsubjectrulesreviews").build(),
          new PolicyRuleBuilder().withVerbs("create").withApiGroups("authentication.k8s.io")
              .withResources("selfsubjectreviews").build()));
  private static final List<ClusterRoleBinding> BOOTSTRAP_BINDINGS = List.of(
      binding("system:discovery", AUTHENTICATED),
      binding("system:public-info-viewer", AUTHENTICATED, "system:unauthenticated"),
      binding("system:basic-user", AUTHENTICATED));

  private final SimStore store;

  RbacAuthorizer(SimStore store) {
    this.store = store;
  }

  Decision authorize(User user, RequestAttributes request) {
    if (user.groups().contains(MASTERS)) {
      return new Decision(true, "");
    }
    // Every missing role on the way, in the order met; only told when nothing allowed the request.
    Set<String> errors = new LinkedHashSet<>();
    List<ClusterRoleBinding> clusterBindings = new ArrayList<>(BOOTSTRAP_BINDINGS);
    clusterBindings.addAll(store.list(RBAC + "/clusterrolebindings", ClusterRoleBinding.class));
    for (ClusterRoleBinding b : clusterBindings) {
      if (appliesTo(b.getSubjects(), user, "") && allows(rules(b.getRoleRef(), "", errors), request)) {
        return new Decision(true, "");
      }
    }
    String ns = request.namespace();
    if (!ns.isEmpty()) {
      for (RoleBinding b : store.list(RBAC + "/namespaces/" + ns + "/rolebindings", RoleBinding.class)) {
        if (appliesTo(b.getSubjects(), user, ns) && allows(rules(b.getRoleRef(), ns, errors), request)) {
          return new Decision(true, "");
        }
      }
    }
    // utilerrors.NewAggregate: one error as it is, several as "[a, b]"
    String reason = errors.isEmpty() ? "" : "RBAC: "
        + (errors.size() == 1 ? errors.iterator().next() : "[" + String.join(", ", errors) + "]");
    return new Decision(false, reason);
  }

  /** The rules of a binding's role; none (and an error noted) when the role does not exist. */
  private List<PolicyRule> rules(RoleRef ref, String bindingNamespace, Set<String> errors) {
    if ("ClusterRole".equals(ref.getKind())) {
      ClusterRole role = BOOTSTRAP_ROLES.get(ref.getName());
      if (role == null) {
        role = store.get(RBAC + "/clusterroles/" + ref.getName(), ClusterRole.class);
      }
      if (role == null) {
        errors.add("clusterrole.rbac.authorization.k8s.io \"" + ref.getName() + "\" not found");
        return List.of();
      }
      return orNone(role.getRules());
    }
    if ("Role".equals(ref.getKind()) && !bindingNamespace.isEmpty()) {
      Role role = store.get(RBAC + "/namespaces/" + bindingNamespace + "/roles/" + ref.getName(), Role.class);
      if (role == null) {
        errors.add("role.rbac.authorization.k8s.io \"" + ref.getName() + "\" not found");
        return List.of();
      }
      return orNone(role.getRules());
    }
    return List.of();
  }

  private static <T> List<T> orNone(List<T> list) {
    return list == null ? List.of() : list;
  }

  /** appliesToUser: a User by name, a Group by membership, a ServiceAccount by its user name. */
  private static boolean appliesTo(List<Subject> subjects, User user, String bindingNamespace) {
    for (Subject s : orNone(subjects)) {
      boolean applies = switch (String.valueOf(s.getKind())) {
        case "User" -> user.name().equals(s.getName());
        case "Group" -> user.groups().contains(s.getName());
        case "ServiceAccount" -> {
          // A RoleBinding's subject may leave out the namespace: the binding's own is meant.
          String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace();
          yield !ns.isEmpty() && user.name().equals("system:serviceaccount:" + ns + ":" + s.getName());
        }
        default -> false;
      };
      if (applies) {
        return true;
      }
    }
    return false;
  }

  private static boolean allows(List<PolicyRule> rules, RequestAttributes r) {
    for (PolicyRule rule : rules) {
      if (allows(rule, r)) {
        return true;
      }
    }
    return false;
  }

  /** RuleAllows (rbac.go) with the matchers of rbac/v1 helpers. */
  static boolean allows(PolicyRule rule, RequestAttributes r) {
    if (!matches(orNone(rule.getVerbs()), r.verb())) {
      return false;
    }
    if (!r.resourceRequest()) {
      for (String url : orNone(rule.getNonResourceURLs())) {
        if (url.equals("*") || url.equals(r.path())
            || (url.endsWith("*") && r.path().startsWith(url.substring(0, url.length() - 1)))) {
          return true;
        }
      }
      return false;
    }
    List<String> names = orNone(rule.getResourceNames());
    return matches(orNone(rule.getApiGroups()), r.apiGroup()) && resourceMatches(orNone(rule.getResources()), r)
        && (names.isEmpty() || names.contains(r.name()));
  }

  /** "*", the exact resource/subresource, or "*&#47;subresource". */
  private static boolean resourceMatches(List<String> resources, RequestAttributes r) {
    for (String resource : resources) {
      if (resource.equals("*") || resource.equals(r.combinedResource())
          || (!r.subresource().isEmpty() && resource.equals("*/" + r.subresource()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(List<String> allowed, String value) {
    return allowed.contains("*") || allowed.contains(value);
  }

  private static ClusterRole clusterRole(String name, PolicyRule... rules) {
    return new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build();
  }

  private static ClusterRoleBinding binding(String role, String... groups) {
    List<Subject> subjects = new ArrayList<>();
    for (String g : groups) {
      subjects.add(new SubjectBuilder().withKind("Group").withApiGroup("rbac.authorization.k8s.io").withName(g).build());
    }
    return new ClusterRoleBindingBuilder().withNewMetadata().withName(role).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role).withSubjects(subjects).build();
  }
}
