package dev.takeover.scenarios;

import dev.takeover.helm.Chart;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The identity the scenarios' engine runs under: the chart's ServiceAccount {@value #USER}, with exactly the RBAC of
 * {@code helm install takeover helm/takeover -n takeover} (its ServiceAccount, ClusterRole, ClusterRoleBinding, Roles
 * and RoleBindings, rendered by Helm with the chart's defaults), applied by the scene's administrator and then
 * impersonated. So a scenario passes only if the chart allows every call the engine makes; a missing rule fails it
 * with the API server's 403. Wherever the cluster allows it: when the administrator may not create the RBAC objects or
 * impersonate (a real cluster's kubeconfig of lesser rights), the engine runs as the administrator, and one line says
 * so.
 */
final class ChartIdentity {
  static final String USER = "system:serviceaccount:" + Chart.NAMESPACE + ":" + Chart.RELEASE;
  /** How long a real cluster may take to authorize by new bindings (its RBAC authorizer reads through a cache). */
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static List<HasMetadata> rbac;
  private static final java.util.Set<String> SAID = new java.util.HashSet<>();

  /**
   * What the engine connects with.
   *
   * @param impersonating false when it fell back to the administrator's identity
   * @param note          one line saying which identity, and why the fallback
   * @param created       the objects this call created (not those that were there already), in order of creation
   */
  record Identity(Config config, boolean impersonating, String note, List<HasMetadata> created) {}

  private ChartIdentity() {}

  /**
   * Applies the chart's RBAC with {@code admin} (namespace {@value Chart#NAMESPACE} created if missing, existing roles
   * and bindings given the chart's rules and subjects) and answers a configuration that impersonates the
   * ServiceAccount, in its namespace as a pod's would be; or {@code plain} when that is forbidden here.
   */
  static Identity apply(KubernetesClient admin, Config plain, Consumer<String> say) {
    return apply(admin, plain, c -> new KubernetesClientBuilder().withConfig(c).build(), say);
  }

  /** As above; {@code clients} makes the client that checks the impersonation works (closed after). */
  static Identity apply(KubernetesClient admin, Config plain, Function<Config, KubernetesClient> clients,
                        Consumer<String> say) {
    List<HasMetadata> created = new ArrayList<>();
    try {
      if (admin.namespaces().withName(Chart.NAMESPACE).get() == null) {
        created.add(admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(Chart.NAMESPACE)
            .endMetadata().build()).create());
      }
      for (HasMetadata rendered : rbacObjects()) {
        HasMetadata o = admin.getKubernetesSerialization().clone(rendered); // the rendering is shared: never touched
        HasMetadata existing = admin.resource(o).get();
        if (existing == null) {
          created.add(admin.resource(o).create());
        } else if (withChartsRules(existing, o)) {
          admin.resource(existing).update();
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      return fallBack(plain, "creating the chart's RBAC is forbidden here: " + message(e), created, say);
    }
    Config impersonating = new ConfigBuilder(plain).withImpersonateUsername(USER).withNamespace(Chart.NAMESPACE).build();
    String refused = probe(impersonating, clients);
    if (refused != null) {
      return fallBack(plain, refused, created, say);
    }
    String note = "Scenarios: the engine runs as " + USER + " (the chart's RBAC, impersonated)";
    say.accept(note);
    return new Identity(impersonating, true, note, created);
  }

  /** Deletes what {@link #apply} created, newest first (the namespace, if it was created, last). */
  static void remove(KubernetesClient admin, Identity identity) {
    List<HasMetadata> created = new ArrayList<>(identity.created());
    java.util.Collections.reverse(created);
    for (HasMetadata o : created) {
      admin.resource(o).delete();
    }
  }

  /**
   * The chart's RBAC as Helm renders it with its default values, once per test JVM: the ServiceAccount, then the roles,
   * then their bindings (a real server refuses a binding to a role that grants what its creator lacks, so roles first).
   */
  static synchronized List<HasMetadata> rbacObjects() {
    if (rbac == null) {
      List<HasMetadata> all = Chart.objects(Chart.template());
      List<HasMetadata> ordered = new ArrayList<>();
      for (Class<?> kind : List.of(ServiceAccount.class, ClusterRole.class, Role.class, ClusterRoleBinding.class,
          RoleBinding.class)) {
        all.stream().filter(kind::isInstance).forEach(ordered::add);
      }
      if (ordered.stream().noneMatch(ClusterRoleBinding.class::isInstance)) {
        throw new IllegalStateException("the chart rendered no ClusterRoleBinding: " + all);
      }
      rbac = List.copyOf(ordered);
    }
    return rbac;
  }

  /**
   * Asks, as the ServiceAccount, for what the chart allows cluster-wide (nodes) and in a Role's namespace (node
   * Leases), until both are answered or {@link #SETTLE} has passed. Null when allowed; else why not.
   */
  private static String probe(Config impersonating, Function<Config, KubernetesClient> clients) {
    Config quick = new ConfigBuilder(impersonating).withRequestRetryBackoffLimit(0).build();
    try (KubernetesClient k = clients.apply(quick)) {
      long deadline = System.nanoTime() + SETTLE.toNanos();
      while (true) {
        try {
          k.nodes().list(new ListOptionsBuilder().withLimit(1L).build());
          k.leases().inNamespace("kube-node-lease").list(new ListOptionsBuilder().withLimit(1L).build());
          return null;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 403) {
            throw e;
          }
          if (message(e).contains("cannot impersonate")) {
            return "impersonating is forbidden here: " + message(e);
          }
          if (System.nanoTime() > deadline) {
            return "the chart's RBAC did not take effect within " + SETTLE.toSeconds() + " s: " + message(e);
          }
          // New bindings reach a real server's authorizer within a second or so: ask again shortly.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
      }
    }
  }

  /** Prints each distinct note once per test JVM: every simulated scenario has a cluster, and an identity, of its own. */
  static void sayOnce(String note) {
    synchronized (SAID) {
      if (SAID.add(note)) {
        System.out.println(note);
      }
    }
  }

  private static Identity fallBack(Config plain, String why, List<HasMetadata> created, Consumer<String> say) {
    String note = "Scenarios: the engine runs as the kubeconfig's own user, not " + USER + ": " + why;
    say.accept(note);
    return new Identity(plain, false, note, created);
  }

  /** Gives {@code existing} the chart's rules or subjects; false when nothing is to change (a ServiceAccount). */
  private static boolean withChartsRules(HasMetadata existing, HasMetadata chart) {
    if (existing instanceof ClusterRole e && chart instanceof ClusterRole c) {
      e.setRules(c.getRules());
    } else if (existing instanceof Role e && chart instanceof Role c) {
      e.setRules(c.getRules());
    } else if (existing instanceof ClusterRoleBinding e && chart instanceof ClusterRoleBinding c) {
      e.setSubjects(c.getSubjects());
    } else if (existing instanceof RoleBinding e && chart instanceof RoleBinding c) {
      e.setSubjects(c.getSubjects());
    } else {
      return false;
    }
    return true;
  }

  private static String message(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
  }
}
