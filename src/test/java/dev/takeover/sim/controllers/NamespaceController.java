package dev.takeover.sim.controllers;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The namespace controller: empties a Terminating namespace (workloads first, so nothing recreates the pods; pods
 * deleted gracefully, like any deletion), then asks for the namespace's deletion again, which the API server carries
 * out once no pod is left.
 */
public final class NamespaceController implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    for (Namespace ns : client.namespaces().list().getItems()) {
      if (ns.getMetadata().getDeletionTimestamp() == null) {
        continue;
      }
      String name = ns.getMetadata().getName();
      client.apps().statefulSets().inNamespace(name).delete();
      client.apps().deployments().inNamespace(name).delete();
      client.apps().replicaSets().inNamespace(name).delete();
      client.apps().daemonSets().inNamespace(name).delete();
      client.policy().v1().podDisruptionBudget().inNamespace(name).delete();
      client.services().inNamespace(name).delete();
      client.configMaps().inNamespace(name).delete();
      client.v1().events().inNamespace(name).delete();
      boolean podsLeft = !client.pods().inNamespace(name).list().getItems().isEmpty();
      if (podsLeft) {
        client.pods().inNamespace(name).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .forEach(p -> client.resource(p).delete());
        continue;
      }
      client.persistentVolumeClaims().inNamespace(name).delete();
      client.namespaces().withName(name).delete();
    }
  }
}
