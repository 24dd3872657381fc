package dev.takeover.engine;

import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;

import java.time.Duration;
import java.util.List;

/**
 * Proof that a StatefulSet pod moved with its data: the same name, a new uid, Ready on another node,
 * the same claims bound to the same volumes.
 */
public record PodMove(PodRef pod, String newUid, String fromNode, String toNode, List<ClaimBinding> claims,
                      Duration timeToReady) {

  public PodMove {
    claims = List.copyOf(claims);
  }
}
