package dev.takeover.engine.plan;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One pod of the node and what the drain will do with it.
 *
 * @param ownerKind kind of the controlling owner ({@code StatefulSet}, {@code ReplicaSet},
 *     {@code DaemonSet}…), or {@code null} when the pod declares no controller
 * @param claims the pod's claims and their volumes as bound now; filled for pods to evict only
 * @param gracePeriodSeconds the pod's {@code terminationGracePeriodSeconds}, 30 when unset: how
 *     long the kubelet may take to stop it once evicted
 * @param labels the pod's labels: its owner's replacements carry the same template labels, which
 *     narrows the wait for them to that owner's pods
 */
public record PlannedPod(
    PodRef pod,
    Action action,
    String reason,
    String ownerKind,
    String ownerName,
    List<ClaimBinding> claims,
    long gracePeriodSeconds,
    Map<String, String> labels) {

  public PlannedPod {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(action, "action");
    claims = claims == null ? List.of() : List.copyOf(claims);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** A StatefulSet pod being evicted: the confirm step waits for it to be Ready elsewhere. */
  public boolean stateful() {
    return "StatefulSet".equals(ownerKind) && action == Action.EVICT;
  }
}
