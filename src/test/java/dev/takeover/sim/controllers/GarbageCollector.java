package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Background cascading deletion, which the mock lacks: a pod or ReplicaSet whose controller (StatefulSet, ReplicaSet,
 * Deployment, DaemonSet) no longer exists is deleted, as the garbage collector does after {@code kubectl delete sts}.
 * Dependents are listed before owners, so that a dependent created meanwhile always finds its owner.
 */
public final class GarbageCollector implements Controller {
  private static final Set<String> OWNER_KINDS = Set.of("StatefulSet", "ReplicaSet", "Deployment", "DaemonSet");

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<HasMetadata> dependents = new ArrayList<>(client.pods().inAnyNamespace().list().getItems());
    dependents.addAll(client.apps().replicaSets().inAnyNamespace().list().getItems());
    Set<String> owners = new HashSet<>();
    Stream.of(client.apps().statefulSets().inAnyNamespace().list().getItems(),
            client.apps().replicaSets().inAnyNamespace().list().getItems(),
            client.apps().deployments().inAnyNamespace().list().getItems(),
            client.apps().daemonSets().inAnyNamespace().list().getItems())
        .flatMap(List::stream)
        .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
        .forEach(o -> owners.add(o.getMetadata().getUid()));
    for (HasMetadata dependent : dependents) {
      OwnerReference owner = Pods.controllerOf(dependent).orElse(null);
      if (owner != null && OWNER_KINDS.contains(owner.getKind()) && !owners.contains(owner.getUid())
          && dependent.getMetadata().getDeletionTimestamp() == null) {
        client.resource(dependent).delete();
      }
    }
  }
}
