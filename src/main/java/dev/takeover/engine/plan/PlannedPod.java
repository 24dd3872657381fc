package dev.takeover.engine.plan;

import java.util.List;
import java.util.Objects;

/**
 * One pod of the node and what the drain will do with it.
 *
 * @param ownerKind kind of the controlling owner ({@code StatefulSet}, {@code ReplicaSet},
 *     {@code DaemonSet}…), or {@code null} when the pod declares no controller
 * @param claims the pod's claims and their volumes as bound now; filled for pods to evict only
 * @param gracePeriodSeconds the pod's {@code terminationGracePeriodSeconds}, 30 when unset: how
 *     long the kubelet may take to stop it once evicted
 */
public record PlannedPod(
    PodRef pod,
    Action action,
    String reason,
    String ownerKind,
    String ownerName,
    List<ClaimBinding> claims,
    long gracePeriodSeconds) {

  public PlannedPod {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(action, "action");
    claims = claims == null ? List.of() : List.copyOf(claims);
  }

  /** A StatefulSet pod being evicted: the confirm step waits for it to be Ready elsewhere. */
  public boolean stateful() {
    return "StatefulSet".equals(ownerKind) && action == Action.EVICT;
  }
}
