package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Plain questions about one pod, null-safe, shared by the filters and the checks. */
public final class PodFacts {
  static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
  static final long DEFAULT_GRACE_PERIOD_SECONDS = 30;

  private PodFacts() {}

  /** The owner reference with {@code controller: true}, as Kubernetes' {@code GetControllerOf}. */
  static Optional<OwnerReference> controllerOf(Pod pod) {
    var owners = pod.getMetadata().getOwnerReferences();
    if (owners == null) {
      return Optional.empty();
    }
    return owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  static boolean finished(Pod pod) {
    return "Succeeded".equals(phase(pod)) || "Failed".equals(phase(pod));
  }

  static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  static boolean mirror(Pod pod) {
    return annotations(pod).containsKey(MIRROR_ANNOTATION);
  }

  static boolean usesEmptyDir(Pod pod) {
    return volumes(pod).stream().anyMatch(v -> v.getEmptyDir() != null);
  }

  /** Names of the claims the pod mounts through {@code persistentVolumeClaim} volumes, in order. */
  public static List<String> claimNames(Pod pod) {
    return volumes(pod).stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .map(v -> v.getPersistentVolumeClaim().getClaimName())
        .filter(name -> name != null && !name.isEmpty())
        .distinct()
        .toList();
  }

  public static boolean ready(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .map(PodCondition::getStatus)
        .anyMatch("True"::equals);
  }

  static long gracePeriodSeconds(Pod pod) {
    var spec = pod.getSpec();
    return spec == null || spec.getTerminationGracePeriodSeconds() == null
        ? DEFAULT_GRACE_PERIOD_SECONDS
        : spec.getTerminationGracePeriodSeconds();
  }

  static List<Toleration> tolerations(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getTolerations() == null
        ? List.of()
        : pod.getSpec().getTolerations();
  }

  static Map<String, String> labels(Pod pod) {
    var labels = pod.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private static Map<String, String> annotations(Pod pod) {
    var annotations = pod.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  private static List<Volume> volumes(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getVolumes() == null
        ? List.of()
        : pod.getSpec().getVolumes();
  }
}
