package dev.takeover.sim.controllers;

import dev.takeover.sim.api.DisruptionConditions;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Selectors;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Computes every PodDisruptionBudget's status as the disruption controller does (rest/get-pdb-blocking.txt):
 * expectedPods, desiredHealthy (minAvailable, or the controllers' scale minus maxUnavailable; percentages rounded
 * up), currentHealthy (Ready pods neither terminating nor just disrupted), disruptionsAllowed, the
 * DisruptionAllowed condition, and disruptedPods without the pods that are gone, terminating or older than 2 min.
 */
public final class DisruptionController implements Controller {
  private static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<PodDisruptionBudget> budgets = client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems();
    for (PodDisruptionBudget pdb : budgets) {
      String namespace = pdb.getMetadata().getNamespace();
      List<Pod> pods = client.pods().inNamespace(namespace).list().getItems().stream()
          .filter(p -> Selectors.matches(pdb.getSpec().getSelector(), p.getMetadata().getLabels())).toList();
      PodDisruptionBudgetStatus status = compute(client, pdb, pods, context.now());
      PodDisruptionBudget updated = Serialization.clone(pdb);
      updated.setStatus(status);
      DisruptionConditions.set(updated, status.getDisruptionsAllowed() > 0);
      if (Changes.differ(updated.getStatus(), pdb.getStatus())) {
        // optimistic: a concurrent eviction changed the budget → 409, the next pass reads again
        client.policy().v1().podDisruptionBudget().inNamespace(namespace).resource(updated).updateStatus();
      }
    }
  }

  private PodDisruptionBudgetStatus compute(KubernetesClient client, PodDisruptionBudget pdb, List<Pod> pods, Instant now) {
    int expected;
    int desired;
    IntOrString minAvailable = pdb.getSpec().getMinAvailable();
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    if (minAvailable != null && minAvailable.getStrVal() == null) {
      expected = pods.size();
      desired = minAvailable.getIntVal();
    } else if (minAvailable != null) {
      expected = expectedScale(client, pods);
      desired = scaled(minAvailable, expected);
    } else if (maxUnavailable != null) {
      expected = expectedScale(client, pods);
      desired = Math.max(0, expected - scaled(maxUnavailable, expected));
    } else {
      expected = pods.size();
      desired = 0;
    }
    Map<String, String> disrupted = new HashMap<>();
    Map<String, String> previous = pdb.getStatus() == null || pdb.getStatus().getDisruptedPods() == null
        ? Map.of() : pdb.getStatus().getDisruptedPods();
    for (Pod pod : pods) {
      String since = previous.get(pod.getMetadata().getName());
      if (since != null && !Pods.isTerminating(pod) && Times.parse(since).plus(DELETION_TIMEOUT).isAfter(now)) {
        disrupted.put(pod.getMetadata().getName(), since);
      }
    }
    int healthy = (int) pods.stream()
        .filter(p -> !Pods.isTerminating(p) && !disrupted.containsKey(p.getMetadata().getName()) && Pods.isReady(p))
        .count();
    PodDisruptionBudgetStatus status = new PodDisruptionBudgetStatus();
    status.setObservedGeneration(pdb.getMetadata().getGeneration());
    status.setDisruptionsAllowed(Math.max(0, healthy - desired));
    status.setCurrentHealthy(healthy);
    status.setDesiredHealthy(desired);
    status.setExpectedPods(expected);
    status.setDisruptedPods(disrupted.isEmpty() ? null : disrupted);
    status.setConditions(pdb.getStatus() == null ? null : pdb.getStatus().getConditions());
    return status;
  }

  /** GetScaledValueFromIntOrPercent(value, total, roundUp=true). */
  private static int scaled(IntOrString value, int total) {
    if (value.getStrVal() == null) {
      return value.getIntVal();
    }
    int percent = Integer.parseInt(value.getStrVal().replace("%", "").trim());
    return (int) Math.ceil(percent * total / 100.0);
  }

  /** The sum of the scales of the controllers of the pods (Deployment through its ReplicaSet, StatefulSet, RC). */
  private static int expectedScale(KubernetesClient client, List<Pod> pods) {
    Map<String, Integer> scales = new HashMap<>();
    for (Pod pod : pods) {
      OwnerReference ref = Pods.controllerOf(pod).orElse(null);
      if (ref == null || scales.containsKey(ref.getUid())) {
        continue;
      }
      String namespace = pod.getMetadata().getNamespace();
      switch (ref.getKind()) {
        case "StatefulSet" -> {
          var sts = client.apps().statefulSets().inNamespace(namespace).withName(ref.getName()).get();
          scales.put(ref.getUid(), sts == null ? 0 : sts.getSpec().getReplicas());
        }
        case "ReplicaSet" -> {
          ReplicaSet rs = client.apps().replicaSets().inNamespace(namespace).withName(ref.getName()).get();
          OwnerReference deployment = rs == null ? null : Pods.controllerOf(rs).orElse(null);
          if (deployment != null && "Deployment".equals(deployment.getKind())) {
            var d = client.apps().deployments().inNamespace(namespace).withName(deployment.getName()).get();
            scales.put(deployment.getUid(), d == null ? 0 : d.getSpec().getReplicas());
            scales.put(ref.getUid(), 0);
          } else {
            scales.put(ref.getUid(), rs == null ? 0 : rs.getSpec().getReplicas());
          }
        }
        case "ReplicationController" -> {
          var rc = client.replicationControllers().inNamespace(namespace).withName(ref.getName()).get();
          scales.put(ref.getUid(), rc == null ? 0 : rc.getSpec().getReplicas());
        }
        default -> scales.put(ref.getUid(), 0);
      }
    }
    return scales.values().stream().filter(Objects::nonNull).mapToInt(Integer::intValue).sum();
  }
}
