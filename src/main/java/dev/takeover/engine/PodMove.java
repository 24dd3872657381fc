package dev.takeover.engine;

import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Proof that a StatefulSet pod moved with its data: the same name, a new uid, Ready on another node,
 * the same claims bound to the same volumes.
 *
 * @param timeToReady from the eviction until Takeover saw the new pod Ready
 * @param readySince  when the new pod's Ready condition turned True, as the kubelet wrote it (whole seconds);
 *                    null if the pod did not say. The gap to the confirmation is Takeover's own delay.
 */
public record PodMove(PodRef pod, String newUid, String fromNode, String toNode, List<ClaimBinding> claims,
                      Duration timeToReady, Instant readySince) {

  public PodMove {
    claims = List.copyOf(claims);
  }

  public PodMove(PodRef pod, String newUid, String fromNode, String toNode, List<ClaimBinding> claims,
                 Duration timeToReady) {
    this(pod, newUid, fromNode, toNode, claims, timeToReady, null);
  }
}
