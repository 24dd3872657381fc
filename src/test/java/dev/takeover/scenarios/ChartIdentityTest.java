package dev.takeover.scenarios;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scenarios' engine runs as the chart's ServiceAccount, with the chart's RBAC and nothing more; where the scene's
 * identity may not set that up, as that identity, and a line says so.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChartIdentityTest {

  @Test
  void the_engine_connects_as_the_charts_service_account_and_may_do_what_the_chart_allows_and_nothing_else() {
    try (Clusters.Simulated cluster = Clusters.Simulated.seedNodes()) {
      Config engine = cluster.config();

      assertEquals(ChartIdentity.USER, engine.getImpersonateUsername());
      assertEquals("takeover", engine.getNamespace(), "a pod's namespace, where its leader Lease is");
      ClusterRoleBinding binding = cluster.client().rbac().clusterRoleBindings().withName("takeover").get();
      assertEquals("takeover", binding.getSubjects().get(0).getName());
      try (KubernetesClient k = new KubernetesClientBuilder().withConfig(new ConfigBuilder(engine)
          .withRequestRetryBackoffLimit(0).build()).build()) {
        assertEquals(3, k.nodes().list().getItems().size(), "the ClusterRole lists nodes");
        KubernetesClientException denied = assertThrows(KubernetesClientException.class,
            () -> k.nodes().withName("kube-node01").delete());
        assertEquals(403, denied.getCode());
        assertEquals("nodes \"kube-node01\" is forbidden: User \"" + ChartIdentity.USER + "\" cannot delete resource"
            + " \"nodes\" in API group \"\" at the cluster scope", denied.getStatus().getMessage());
      }
      assertNotNull(cluster.client().nodes().withName("kube-node01").get(), "the scene's client is the administrator");
      assertSame(engine, cluster.config(), "set up once per cluster");
    }
  }

  @Test
  void where_the_roles_may_not_be_created_the_engine_runs_as_the_scenes_own_user_and_one_line_says_so() {
    try (Clusters.Simulated cluster = Clusters.Simulated.seedNodes()) {
      // A kubeconfig of lesser rights: a user bound to nothing.
      Config jane = new ConfigBuilder(cluster.adminConfig()).withImpersonateUsername("jane")
          .withRequestRetryBackoffLimit(0).build();
      List<String> said = new ArrayList<>();
      try (KubernetesClient asJane = new KubernetesClientBuilder().withConfig(jane).build()) {
        ChartIdentity.Identity identity = ChartIdentity.apply(asJane, jane, said::add);

        assertFalse(identity.impersonating());
        assertSame(jane, identity.config());
        assertEquals(List.of(identity.note()), said);
        assertTrue(identity.note().startsWith("Scenarios: the engine runs as the kubeconfig's own user, not "
            + ChartIdentity.USER + ": creating the chart's RBAC is forbidden here: "), identity.note());
        assertTrue(identity.note().contains("User \"jane\" cannot get resource \"namespaces\""), identity.note());
      }
      assertEquals(null, cluster.client().rbac().clusterRoleBindings().withName("takeover").get(), "nothing created");
    }
  }
}
