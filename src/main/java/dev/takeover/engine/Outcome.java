package dev.takeover.engine;

import dev.takeover.engine.plan.Plan;

import java.time.Duration;
import java.util.List;

/**
 * How a run ended.
 *
 * @param status   what happened
 * @param reason   why it failed or was refused (one line per cause); empty on success
 * @param plan     the plan it followed (null when the node could not even be read)
 * @param moves    the StatefulSet pods confirmed on another node
 * @param nodeLeft whether the node is schedulable, cordoned, or (a recovered dead node) out of service now
 * @param took     wall time of the whole run
 */
public record Outcome(Status status, String reason, Plan plan, List<PodMove> moves, NodeState nodeLeft, Duration took) {

  public enum Status { SUCCEEDED, PLANNED, REFUSED, FAILED, CANCELLED }

  public enum NodeState {
    SCHEDULABLE, CORDONED, UNKNOWN,
    /** Recovered while down: the out-of-service taint stays until the node is Ready again. */
    OUT_OF_SERVICE
  }

  public Outcome {
    moves = List.copyOf(moves);
    reason = reason == null ? "" : reason;
  }
}
