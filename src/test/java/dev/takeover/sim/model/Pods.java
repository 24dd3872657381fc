package dev.takeover.sim.model;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Questions about pods, answered the way Kubernetes' own helpers (podutil) answer them. */
public final class Pods {
  private Pods() {}

  /** Marks a pod whose containers start but never pass their readiness probe (failure tests). */
  public static final String NEVER_READY_ANNOTATION = "sim.takeover.dev/never-ready";

  public static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "" : pod.getStatus().getPhase();
  }

  public static boolean isTerminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** Succeeded or Failed: finished, counts for nothing (no node capacity, no availability). */
  public static boolean isTerminal(Pod pod) {
    String phase = phase(pod);
    return phase.equals("Succeeded") || phase.equals("Failed");
  }

  public static String nodeName(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName();
  }

  public static boolean isBound(Pod pod) {
    return !nodeName(pod).isEmpty();
  }

  public static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** podutil.IsPodReady: condition Ready is True. */
  public static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** What the StatefulSet and disruption controllers call running and ready. */
  public static boolean isRunningAndReady(Pod pod) {
    return phase(pod).equals("Running") && isReady(pod);
  }

  public static boolean isNeverReady(Pod pod) {
    return pod.getMetadata().getAnnotations() != null
        && "true".equals(pod.getMetadata().getAnnotations().get(NEVER_READY_ANNOTATION));
  }

  public static Optional<OwnerReference> controllerOf(io.fabric8.kubernetes.api.model.HasMetadata object) {
    List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
    return owners == null ? Optional.empty()
        : owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
  }

  public static boolean isControlledBy(io.fabric8.kubernetes.api.model.HasMetadata object, String ownerUid) {
    return controllerOf(object).map(o -> Objects.equals(o.getUid(), ownerUid)).orElse(false);
  }

  /** Names of the PVCs a pod mounts. */
  public static List<String> claimNames(Pod pod) {
    List<String> claims = new ArrayList<>();
    if (pod.getSpec() != null && pod.getSpec().getVolumes() != null) {
      for (Volume volume : pod.getSpec().getVolumes()) {
        if (volume.getPersistentVolumeClaim() != null) {
          claims.add(volume.getPersistentVolumeClaim().getClaimName());
        }
      }
    }
    return claims;
  }

  /** Sets (or replaces) one condition; the transition time changes only when the status does, as in the kubelet. */
  public static void setCondition(Pod pod, String type, String status, String reason, String message) {
    List<PodCondition> conditions = new ArrayList<>(
        pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions());
    Optional<PodCondition> existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    String since = existing.filter(c -> status.equals(c.getStatus())).map(PodCondition::getLastTransitionTime)
        .orElse(Times.now());
    PodCondition condition = new PodConditionBuilder().withType(type).withStatus(status)
        .withLastTransitionTime(since).withReason(reason).withMessage(message).build();
    existing.ifPresentOrElse(c -> conditions.set(conditions.indexOf(c), condition), () -> conditions.add(condition));
    pod.getStatus().setConditions(conditions);
  }
}
