package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Owners;
import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Deployment keeps one ReplicaSet per pod template, NAME-HASH, at {@code replicas}; ReplicaSets of older templates
 * are scaled to 0 at once (no rolling update: the simulator never changes templates itself).
 */
public final class DeploymentController implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<ReplicaSet> allSets = client.apps().replicaSets().inAnyNamespace().list().getItems();
    for (Deployment deployment : client.apps().deployments().inAnyNamespace().list().getItems()) {
      if (deployment.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<ReplicaSet> owned = allSets.stream()
          .filter(rs -> Pods.isControlledBy(rs, deployment.getMetadata().getUid())).toList();
      ReplicaSet wanted = newReplicaSet(deployment);
      int replicas = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
      ReplicaSet current = owned.stream()
          .filter(rs -> rs.getMetadata().getName().equals(wanted.getMetadata().getName())).findFirst().orElse(null);
      if (current == null) {
        client.apps().replicaSets().inNamespace(deployment.getMetadata().getNamespace()).resource(wanted).create();
        context.events().normal(deployment, "ScalingReplicaSet", "Scaled up replica set "
            + wanted.getMetadata().getName() + " from 0 to " + replicas, "deployment-controller");
      } else if (current.getSpec().getReplicas() != replicas) {
        current.getSpec().setReplicas(replicas);
        client.apps().replicaSets().inNamespace(deployment.getMetadata().getNamespace()).resource(current).update();
      }
      for (ReplicaSet old : owned) {
        if (old != current && old.getSpec().getReplicas() != 0) {
          old.getSpec().setReplicas(0);
          client.apps().replicaSets().inNamespace(deployment.getMetadata().getNamespace()).resource(old).update();
        }
      }
      updateStatus(client, deployment, owned, current);
    }
  }

  /** The ReplicaSet the deployment controller creates for the current template (pod-template-hash label). */
  public static ReplicaSet newReplicaSet(Deployment deployment) {
    PodTemplateSpec template = Serialization.clone(deployment.getSpec().getTemplate());
    String hash = Owners.templateHash(Serialization.asJson(deployment.getSpec().getTemplate()));
    Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels() == null
        ? Map.of() : template.getMetadata().getLabels());
    labels.put("pod-template-hash", hash);
    template.getMetadata().setLabels(labels);
    LabelSelector selector = Serialization.clone(deployment.getSpec().getSelector());
    Map<String, String> match = new HashMap<>(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels());
    match.put("pod-template-hash", hash);
    selector.setMatchLabels(match);
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(deployment.getMetadata().getName() + "-" + hash)
        .withNamespace(deployment.getMetadata().getNamespace()).withLabels(labels)
        .addToAnnotations("deployment.kubernetes.io/desired-replicas", String.valueOf(deployment.getSpec().getReplicas()))
        .addToAnnotations("deployment.kubernetes.io/revision", "1")
        .withOwnerReferences(Owners.controllerRef(deployment)).endMetadata()
        .withNewSpec().withReplicas(deployment.getSpec().getReplicas()).withSelector(selector).withTemplate(template)
        .endSpec().build();
  }

  private void updateStatus(KubernetesClient client, Deployment deployment, List<ReplicaSet> owned, ReplicaSet current) {
    int replicas = 0;
    int ready = 0;
    int available = 0;
    for (ReplicaSet rs : owned) {
      if (rs.getStatus() != null) {
        replicas += Objects.requireNonNullElse(rs.getStatus().getReplicas(), 0);
        ready += Objects.requireNonNullElse(rs.getStatus().getReadyReplicas(), 0);
        available += Objects.requireNonNullElse(rs.getStatus().getAvailableReplicas(), 0);
      }
    }
    int updated = current == null || current.getStatus() == null ? 0
        : Objects.requireNonNullElse(current.getStatus().getReplicas(), 0);
    int desired = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
    boolean availableEnough = available >= desired; // maxUnavailable treated as 0 here
    DeploymentStatus status = new DeploymentStatusBuilder()
        .withObservedGeneration(deployment.getMetadata().getGeneration())
        .withReplicas(replicas).withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(available)
        .withUnavailableReplicas(Math.max(0, desired - available))
        .withConditions(condition(deployment, "Available", availableEnough,
            availableEnough ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            availableEnough ? "Deployment has minimum availability." : "Deployment does not have minimum availability."))
        .build();
    if (Changes.differ(status, deployment.getStatus())) {
      deployment.setStatus(status);
      client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace()).resource(deployment).updateStatus();
    }
  }

  private static DeploymentCondition condition(Deployment deployment, String type, boolean ok, String reason, String message) {
    String status = ok ? "True" : "False";
    DeploymentCondition existing = deployment.getStatus() == null || deployment.getStatus().getConditions() == null ? null
        : deployment.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String since = existing != null && status.equals(existing.getStatus()) ? existing.getLastTransitionTime()
        : dev.takeover.sim.model.Times.now();
    return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(since).withLastUpdateTime(since).build();
  }
}
