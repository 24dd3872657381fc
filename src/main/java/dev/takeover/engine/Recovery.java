package dev.takeover.engine;

import dev.takeover.config.FailurePolicy;
import dev.takeover.engine.Outcome.NodeState;
import dev.takeover.engine.Outcome.Status;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.kube.NodeOps;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a run that stopped early ends: it says why, and decides about the node so that it is never left
 * cordoned silently. A node someone else cordoned stays cordoned; one Takeover cordoned is uncordoned or
 * kept for a human, as the failure policy says, and the outcome tells which.
 */
final class Recovery {
  private final Engine.Parts parts;

  Recovery(Engine.Parts parts) {
    this.parts = parts;
  }

  Future<Outcome> stopSafely(Run run, Throwable cause) {
    if (cause instanceof Run.Stopped stopped) {
      return Future.succeededFuture(run.outcome(stopped.status, stopped.getMessage(), stateOf(run.node), now()));
    }
    String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    // A cancelled run ends as CANCELLED wherever it stopped, even in a drain cut short by the cancel.
    Status failed = run.cancelled != null ? Status.CANCELLED : Status.FAILED;
    String reason = run.cancelled != null && !(cause instanceof Run.Cancelled)
        ? "cancelled (" + run.cancelled + "): " + why : why;
    if (run.halted != null) {
      return Future.succeededFuture(run.outcome(Status.CANCELLED, "halted (" + run.halted + "): " + run.nodeName()
          + " is left as it is, its record on the node says where the run stood", stateOf(run.node), now()));
    }
    if (run.lostTo != null) {
      // Another process holds the node now: undoing our cordon would undo its.
      return Future.succeededFuture(run.outcome(Status.FAILED, reason + "; " + run.nodeName() + " is left as it is to "
          + run.lostTo + ", which holds its Lease now", NodeState.UNKNOWN, now()));
    }
    if (run.record == null) {
      // Nothing was written on the node.
      return Future.succeededFuture(run.outcome(failed, reason, stateOf(run.node), now()));
    }
    String node = run.nodeName();
    if (!run.record.cordonedByTakeover()) {
      return parts.kube().nodes.annotate(node, NodeRecord.erased()).transform(ar -> Future.succeededFuture(
          run.outcome(failed, reason + "; " + node + " stays cordoned, as it was before the run",
              NodeState.CORDONED, now())));
    }
    if (parts.config().onFailure() == FailurePolicy.KEEP_CORDONED) {
      return parts.kube().nodes.annotate(node, run.record.atStep(NodeRecord.FAILED).annotations())
          .transform(ar -> Future.succeededFuture(run.outcome(failed, reason + "; " + node
              + " kept cordoned for a human (failure policy keep-cordoned): release it with: takeover release --node "
              + node, NodeState.CORDONED, now())));
    }
    Instant start = now();
    parts.events().publish(new EngineEvent.StepStarted(run.id, start, Step.UNCORDON));
    return parts.kube().nodes.get(node).transform(read -> {
      if (read.succeeded() && read.result() == null) {
        return Future.succeededFuture(run.outcome(failed, reason + "; node " + node + " no longer exists",
            NodeState.UNKNOWN, now()));
      }
      Future<Node> uncordoned = read.failed() ? Future.failedFuture(read.cause())
          : parts.kube().nodes.update(read.result(), x -> new NodeOps.Change(null, NodeRecord.erased()));
      return uncordoned.transform(ar -> {
        if (ar.succeeded()) {
          parts.events().publish(new EngineEvent.StepFinished(run.id, now(), Step.UNCORDON,
              Duration.between(start, now()), "uncordoned " + node + " after the failure"));
          return Future.succeededFuture(run.outcome(failed, reason + "; " + node
              + " uncordoned (failure policy uncordon)", NodeState.SCHEDULABLE, now()));
        }
        return Future.succeededFuture(run.outcome(failed, reason + "; uncordoning " + node
            + " failed too (" + ar.cause().getMessage() + "): it is still cordoned", NodeState.CORDONED, now()));
      });
    });
  }

  /** A RELEASE ticket: uncordon a node that Takeover kept cordoned, and only such a node. */
  Future<Outcome> release(Run run) {
    String node = run.nodeName();
    Instant start = now();
    parts.events().publish(new EngineEvent.StepStarted(run.id, start, Step.UNCORDON));
    return parts.kube().nodes.get(node).compose(n -> {
      if (n == null) {
        return Future.succeededFuture(run.outcome(Status.REFUSED, Run.nodeNotFound(node),
            NodeState.UNKNOWN, now()));
      }
      run.node = n;
      NodeRecord record = NodeRecord.read(n);
      boolean cordoned = Boolean.TRUE.equals(n.getSpec().getUnschedulable());
      if (record != null && record.cordonedByTakeover() && cordoned) {
        return parts.kube().nodes.update(n, x -> new NodeOps.Change(null, NodeRecord.erased())).map(x -> {
          parts.events().publish(new EngineEvent.StepFinished(run.id, now(), Step.UNCORDON,
              Duration.between(start, now()), "uncordoned " + node));
          return run.outcome(Status.SUCCEEDED, "", NodeState.SCHEDULABLE, now());
        });
      }
      Future<?> cleanup = record == null ? Future.succeededFuture() : parts.kube().nodes.annotate(node, NodeRecord.erased());
      return cleanup.map(x -> cordoned
          ? run.outcome(Status.REFUSED, node + " was cordoned by someone else, not by Takeover: uncordon it yourself"
              + " if you mean to (kubectl uncordon " + node + ")", NodeState.CORDONED, now())
          : run.outcome(Status.SUCCEEDED, node + " was already schedulable", NodeState.SCHEDULABLE, now()));
    });
  }

  private static NodeState stateOf(Node node) {
    if (node == null) {
      return NodeState.UNKNOWN;
    }
    return Boolean.TRUE.equals(node.getSpec().getUnschedulable()) ? NodeState.CORDONED : NodeState.SCHEDULABLE;
  }

  private Instant now() {
    return parts.clock().instant();
  }
}
