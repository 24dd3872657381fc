package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Owners;
import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Keeps {@code replicas} active pods (not finished, not terminating) per ReplicaSet: a deleted pod is replaced at
 * once under a new name (NAME-xxxxx), while the old one still terminates. Scale-down removes unbound, then
 * not-Ready, then the newest pods first.
 */
public final class ReplicaSetController implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<ReplicaSet> sets = client.apps().replicaSets().inAnyNamespace().list().getItems();
    if (sets.isEmpty()) {
      return;
    }
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    for (ReplicaSet rs : sets) {
      if (rs.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<Pod> owned = pods.stream().filter(p -> Pods.isControlledBy(p, rs.getMetadata().getUid())).toList();
      List<Pod> active = owned.stream().filter(p -> !Pods.isTerminal(p) && !Pods.isTerminating(p)).toList();
      int wanted = Objects.requireNonNullElse(rs.getSpec().getReplicas(), 1);
      String namespace = rs.getMetadata().getNamespace();
      for (int i = active.size(); i < wanted; i++) {
        Pod created = client.pods().inNamespace(namespace).resource(newPod(rs)).create();
        context.events().normal(rs, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName(),
            "replicaset-controller");
      }
      if (active.size() > wanted) {
        active.stream().sorted(Comparator.comparing((Pod p) -> Pods.isBound(p))
                .thenComparing(Pods::isReady)
                .thenComparing(p -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()))
            .limit(active.size() - wanted)
            .forEach(p -> client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete());
      }
      for (Pod finished : owned.stream().filter(p -> Pods.isTerminal(p) && !Pods.isTerminating(p)).toList()) {
        client.pods().inNamespace(namespace).withName(finished.getMetadata().getName()).delete();
      }
      updateStatus(client, rs, active);
    }
  }

  /**
   * A pod as the ReplicaSet controller creates it (controller.GetPodFromTemplate): generateName NAME-, the
   * template's labels, annotations and finalizers, controller reference.
   */
  public static Pod newPod(ReplicaSet rs) {
    var template = rs.getSpec().getTemplate();
    return new PodBuilder()
        .withNewMetadata().withGenerateName(rs.getMetadata().getName() + "-")
        .withNamespace(rs.getMetadata().getNamespace())
        .withLabels(template.getMetadata().getLabels()).withAnnotations(template.getMetadata().getAnnotations())
        .withFinalizers(template.getMetadata().getFinalizers())
        .withOwnerReferences(Owners.controllerRef(rs)).endMetadata()
        .withSpec(Serialization.clone(template.getSpec()))
        .build();
  }

  private void updateStatus(KubernetesClient client, ReplicaSet rs, List<Pod> active) {
    int ready = (int) active.stream().filter(Pods::isReady).count();
    ReplicaSetStatus status = new ReplicaSetStatusBuilder()
        .withObservedGeneration(rs.getMetadata().getGeneration())
        .withReplicas(active.size()).withFullyLabeledReplicas(active.size())
        .withReadyReplicas(ready).withAvailableReplicas(ready).build();
    if (Changes.differ(status, rs.getStatus())) {
      rs.setStatus(status);
      client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).updateStatus();
    }
  }

}
