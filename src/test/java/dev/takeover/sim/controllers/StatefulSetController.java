package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps pods NAME-0..NAME-(replicas-1) with their claims. A name still taken, even by a terminating pod, is not
 * reused: the replacement appears only once the old pod is gone (watch/pod-mysql-0-during-eviction.jsonl).
 * OrderedReady creates ordinal N only when 0..N-1 are Running and Ready; Parallel creates them all at once.
 * Failed or Succeeded pods are deleted, to be recreated. Scale-down removes the highest ordinals.
 */
public final class StatefulSetController implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    for (StatefulSet sts : client.apps().statefulSets().inAnyNamespace().list().getItems()) {
      if (sts.getMetadata().getDeletionTimestamp() == null) {
        reconcile(context, sts);
      }
    }
  }

  private void reconcile(ControllerContext context, StatefulSet sts) {
    KubernetesClient client = context.client();
    String namespace = sts.getMetadata().getNamespace();
    Map<String, Pod> pods = new HashMap<>();
    for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
      if (Pods.isControlledBy(pod, sts.getMetadata().getUid())) {
        pods.put(pod.getMetadata().getName(), pod);
      }
    }
    int replicas = Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1);
    boolean ordered = !"Parallel".equals(sts.getSpec().getPodManagementPolicy());
    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      Pod pod = pods.get(StatefulSetPods.podName(sts, ordinal));
      if (pod == null) {
        create(context, sts, ordinal);
        if (ordered) {
          break; // wait for it to be Running and Ready
        }
      } else if (Pods.isTerminal(pod) && !Pods.isTerminating(pod)) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        if (ordered) {
          break;
        }
      } else if (ordered && (Pods.isTerminating(pod) || !Pods.isRunningAndReady(pod))) {
        break;
      }
    }
    scaleDown(client, sts, pods, replicas, ordered);
    updateStatus(client, sts, pods.values().stream().toList());
  }

  private void create(ControllerContext context, StatefulSet sts, int ordinal) {
    KubernetesClient client = context.client();
    String namespace = sts.getMetadata().getNamespace();
    for (PersistentVolumeClaim claim : StatefulSetPods.newClaims(sts, ordinal)) {
      if (client.persistentVolumeClaims().inNamespace(namespace).withName(claim.getMetadata().getName()).get() == null) {
        client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
        context.events().normal(sts, "SuccessfulCreate", "create Claim " + claim.getMetadata().getName() + " Pod "
            + StatefulSetPods.podName(sts, ordinal) + " in StatefulSet " + sts.getMetadata().getName() + " success",
            "statefulset-controller");
      }
    }
    client.pods().inNamespace(namespace).resource(StatefulSetPods.newPod(sts, ordinal)).create();
    context.events().normal(sts, "SuccessfulCreate", "create Pod " + StatefulSetPods.podName(sts, ordinal)
        + " in StatefulSet " + sts.getMetadata().getName() + " successful", "statefulset-controller");
  }

  private void scaleDown(KubernetesClient client, StatefulSet sts, Map<String, Pod> pods, int replicas, boolean ordered) {
    List<Pod> extra = pods.values().stream()
        .filter(p -> ordinalOf(sts, p) >= replicas)
        .sorted((a, b) -> Integer.compare(ordinalOf(sts, b), ordinalOf(sts, a)))
        .toList();
    if (ordered && extra.stream().anyMatch(Pods::isTerminating)) {
      return; // one at a time, highest first
    }
    for (Pod pod : extra) {
      if (!Pods.isTerminating(pod)) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
        if (ordered) {
          return;
        }
      }
    }
  }

  private static int ordinalOf(StatefulSet sts, Pod pod) {
    String suffix = pod.getMetadata().getName().substring(sts.getMetadata().getName().length() + 1);
    try {
      return Integer.parseInt(suffix);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** As computeReplicaStatus (v1.32): a terminating pod still counts in replicas and, while Ready, in readyReplicas. */
  private void updateStatus(KubernetesClient client, StatefulSet sts, List<Pod> pods) {
    String revision = StatefulSetPods.revision(sts);
    int created = 0;
    int ready = 0;
    int current = 0;
    for (Pod pod : pods) {
      if (!Pods.phase(pod).isEmpty()) {
        created++;
      }
      if (Pods.isRunningAndReady(pod)) {
        ready++;
      }
      if (!Pods.phase(pod).isEmpty() && !Pods.isTerminating(pod)
          && revision.equals(pod.getMetadata().getLabels().get("controller-revision-hash"))) {
        current++;
      }
    }
    StatefulSetStatus status = new StatefulSetStatusBuilder()
        .withObservedGeneration(sts.getMetadata().getGeneration())
        .withReplicas(created).withReadyReplicas(ready).withCurrentReplicas(current).withUpdatedReplicas(current)
        .withAvailableReplicas(ready).withCurrentRevision(revision).withUpdateRevision(revision).withCollisionCount(0)
        .build();
    if (Changes.differ(status, sts.getStatus())) {
      sts.setStatus(status);
      client.apps().statefulSets().inNamespace(sts.getMetadata().getNamespace()).resource(sts).updateStatus();
    }
  }
}
