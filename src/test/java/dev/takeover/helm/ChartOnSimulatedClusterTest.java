package dev.takeover.helm;

import dev.takeover.sim.Await;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's objects, every optional part on, created on a simulated cluster of the seed's three nodes as helm
 * install creates them: the built-in kinds are taken and acted on (the Deployment's two pods run, the disruption
 * controller computes the budget); the Prometheus Operator's kinds are refused, as on any cluster without its CRDs.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChartOnSimulatedClusterTest {

  @Test
  void the_rendered_objects_are_created_and_the_deployment_runs_two_ready_replicas_under_a_budget_of_one() {
    List<HasMetadata> objects = Chart.objects(Chart.template(Chart.ALL_ON));
    try (SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.fast()).start()) {
      cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02").apply();
      KubernetesClient k = cluster.client();
      k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(Chart.NAMESPACE).endMetadata().build())
          .create();
      List<HasMetadata> builtIn = objects.stream().filter(o -> !(o instanceof GenericKubernetesResource)).toList();
      for (HasMetadata o : builtIn) {
        assertNotNull(k.resource(o).create().getMetadata().getUid(), o.getKind() + " " + o.getMetadata().getName());
      }
      // The simulated API server stores the node-lease admission policy and its binding as it stores any object and
      // enforces neither: NodeLeasePolicyTest evaluates the policy, ChartRbacTest the daemon's writes against it.
      assertEquals(Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
          "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ConfigMap", "Service", "Deployment",
          "PodDisruptionBudget"), builtIn.stream().map(HasMetadata::getKind).collect(Collectors.toSet()));

      Await.await("two Ready replicas", Duration.ofSeconds(20), () -> ready(k).size() == 2);
      for (Pod p : ready(k)) {
        assertEquals(Chart.RELEASE, p.getSpec().getServiceAccountName());
        assertTrue(Set.of("kube-node01", "kube-node02").contains(p.getSpec().getNodeName()), "a worker, not the tainted control plane");
      }
      Await.await("the budget computed", Duration.ofSeconds(10), () -> {
        PodDisruptionBudget pdb = k.policy().v1().podDisruptionBudget().inNamespace(Chart.NAMESPACE)
            .withName(Chart.RELEASE).get();
        return pdb.getStatus() != null && pdb.getStatus().getCurrentHealthy() == 2
            && pdb.getStatus().getDisruptionsAllowed() == 1;
      });

      for (HasMetadata o : objects) {
        if (o instanceof GenericKubernetesResource cr) {
          // helm says "no matches for kind ServiceMonitor in version monitoring.coreos.com/v1" there: the same discovery.
          assertThrows(KubernetesClientException.class, () -> k.resource(cr).create(), cr.getKind() + " without its CRD");
        }
      }
    }
  }

  private static List<Pod> ready(KubernetesClient k) {
    return k.pods().inNamespace(Chart.NAMESPACE).withLabel("app.kubernetes.io/instance", Chart.RELEASE).list().getItems()
        .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
            && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).toList();
  }
}
