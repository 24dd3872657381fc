package dev.takeover.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What a chart's RBAC objects grant a ServiceAccount, and what a set of requests needs, both as {@link ApiAccess}. */
final class Rbac {
  private Rbac() {}

  /**
   * Every access the rendered objects grant the ServiceAccount: ClusterRoles bound by ClusterRoleBindings cluster-wide,
   * Roles (and ClusterRoles) bound by RoleBindings in the binding's namespace. A wildcard or a resourceNames rule
   * fails: neither is least privilege that this comparison could check.
   */
  static Set<ApiAccess> granted(List<HasMetadata> objects, String account, String namespace) {
    Set<ApiAccess> out = new TreeSet<>();
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRoleBinding b && bindsTo(b.getSubjects(), account, namespace)) {
        rules(objects, b.getRoleRef(), null).forEach(r -> expand(r, ApiAccess.CLUSTER, out));
      } else if (o instanceof RoleBinding b && bindsTo(b.getSubjects(), account, namespace)) {
        String ns = b.getMetadata().getNamespace();
        rules(objects, b.getRoleRef(), ns).forEach(r -> expand(r, ns, out));
      }
    }
    return out;
  }

  /** The nonResourceURLs the bound ClusterRoles grant (e.g. /version), as "verb path". */
  static Set<String> grantedPaths(List<HasMetadata> objects, String account, String namespace) {
    Set<String> out = new TreeSet<>();
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRoleBinding b && bindsTo(b.getSubjects(), account, namespace)) {
        for (PolicyRule r : rules(objects, b.getRoleRef(), null)) {
          for (String url : r.getNonResourceURLs()) {
            r.getVerbs().forEach(v -> out.add(v + " " + url));
          }
        }
      }
    }
    return out;
  }

  /**
   * The accesses that requests need, as rules would grant them: a resource and verb asked for cluster-wide, or in more
   * than one namespace, needs a cluster-wide grant (the namespaces are the workloads', which can be any); one asked
   * for in a single namespace only (kube-node-lease, default's Events, Takeover's own) needs it there.
   */
  /** Kinds Takeover reads and writes only in namespaces of its choosing (kube-node-lease, its own, default). */
  static final Set<String> FIXED_NAMESPACES = Set.of("leases", "events");

  static Set<ApiAccess> needed(Collection<ApiAccess> requested) {
    Map<ApiAccess, Set<String>> scopes = new TreeMap<>();
    for (ApiAccess a : requested) {
      scopes.computeIfAbsent(a.in(ApiAccess.CLUSTER), k -> new TreeSet<>()).add(a.scope());
    }
    Set<ApiAccess> out = new TreeSet<>();
    scopes.forEach((access, in) -> {
      if (FIXED_NAMESPACES.contains(access.resource())) {
        // Leases and Events live in namespaces Takeover names itself: a Role in each, never cluster-wide.
        in.forEach(ns -> out.add(access.in(ns)));
      } else {
        // What it reads or moves wherever the pods are (their namespaces are the cluster's): cluster-wide.
        out.add(in.contains(ApiAccess.CLUSTER) || in.size() > 1 ? access : access.in(in.iterator().next()));
      }
    });
    return out;
  }

  private static boolean bindsTo(List<Subject> subjects, String account, String namespace) {
    return subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind()) && account.equals(s.getName())
        && namespace.equals(s.getNamespace()));
  }

  private static List<PolicyRule> rules(List<HasMetadata> objects, RoleRef ref, String namespace) {
    for (HasMetadata o : objects) {
      if (!o.getMetadata().getName().equals(ref.getName())) {
        continue;
      }
      if (o instanceof ClusterRole c && "ClusterRole".equals(ref.getKind())) {
        return c.getRules();
      }
      if (o instanceof Role r && "Role".equals(ref.getKind()) && r.getMetadata().getNamespace().equals(namespace)) {
        return r.getRules();
      }
    }
    throw new AssertionError("a binding refers to " + ref.getKind() + " " + ref.getName()
        + (namespace == null ? "" : " in " + namespace) + ", which the chart does not render");
  }

  private static void expand(PolicyRule rule, String scope, Set<ApiAccess> out) {
    List<String> all = new java.util.ArrayList<>();
    all.addAll(rule.getApiGroups());
    all.addAll(rule.getResources());
    all.addAll(rule.getVerbs());
    if (all.contains("*") || !rule.getResourceNames().isEmpty()) {
      throw new AssertionError("a rule with a wildcard or resourceNames: " + rule);
    }
    for (String g : rule.getApiGroups()) {
      for (String r : rule.getResources()) {
        for (String v : rule.getVerbs()) {
          out.add(new ApiAccess(scope, g, r, v));
        }
      }
    }
  }

  /** "  + a\n  - b" lines: what is to be added to the chart (+) and what is to be taken out of it (-). */
  static String diff(Set<ApiAccess> needed, Set<ApiAccess> granted) {
    Set<ApiAccess> missing = new TreeSet<>(needed);
    missing.removeAll(granted);
    Set<ApiAccess> extra = new TreeSet<>(granted);
    extra.removeAll(needed);
    return missing.stream().map(a -> "  + " + a + "   (the code calls it; the chart does not allow it)")
        .collect(Collectors.joining("\n", "", missing.isEmpty() ? "" : "\n"))
        + extra.stream().map(a -> "  - " + a + "   (the chart allows it; the code never called it)")
        .collect(Collectors.joining("\n"));
  }
}
