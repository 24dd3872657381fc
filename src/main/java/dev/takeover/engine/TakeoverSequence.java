package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Outcome.NodeState;
import dev.takeover.engine.Outcome.Status;
import dev.takeover.engine.confirm.StatefulPodCheck;
import dev.takeover.engine.drain.Budgets;
import dev.takeover.engine.drain.Drain;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.events.EventStream;
import dev.takeover.engine.plan.PlanOptions;
import dev.takeover.engine.plan.PlannedPod;
import dev.takeover.engine.plan.Planner;
import dev.takeover.engine.plan.Refusal;
import dev.takeover.kube.Kube;
import dev.takeover.kube.NodeOps;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The takeover of one node, step by step, as an operator does it by hand (seed §12.3): cordon, drain with
 * --ignore-daemonsets, check that each StatefulSet pod runs elsewhere with the same PVC, uncordon.
 * Every step is published as it starts and ends; every Future here completes on the engine's context.
 */
final class TakeoverSequence {
  private final Engine.Parts parts;
  private final Kube kube;
  private final EngineConfig config;

  TakeoverSequence(Engine.Parts parts) {
    this.parts = parts;
    this.kube = parts.kube();
    this.config = parts.config();
  }

  Future<Outcome> run(Run run) {
    return plan(run)                 // list the node's pods, classify each, refuse what would hang Pending
        .compose(this::cordon)       // mark the node unschedulable, and as ours only if it was not already
        .compose(this::drain)        // evict with a UID precondition; PDB 429 → back off; watch for deletion
        .compose(this::confirm)      // each StatefulSet pod Ready elsewhere with the same PVC → PV
        .compose(this::uncordon)     // only a node we cordoned, unless the maintenance continues
        .recover(cause -> new Recovery(parts).stopSafely(run, cause));
  }

  /** Completes with the plan on the run; fails with {@link Run.Stopped} when refused or for a dry run. */
  private Future<Run> plan(Run run) {
    return step(run, Step.PLAN, () -> parts.reader().read(run.nodeName()).compose(view -> {
      run.node = view.node();
      Ticket.Options o = run.ticket.options();
      run.plan = Planner.plan(view, new PlanOptions(o.deleteEmptyDirData(), o.force(), o.allowLocalVolumes(),
          o.allowControlPlane(), config.maxNodesInMaintenance()));
      publish(new EngineEvent.PlanReady(run.id, now(), run.plan));
      NodeRecord earlier = NodeRecord.read(view.node());
      if (earlier != null && earlier.unfinished() && !earlier.run().equals(run.id.run())) {
        publish(new EngineEvent.Warning(run.id, now(), "run " + earlier.run() + " (ticket " + earlier.ticket()
            + ") stopped at step " + earlier.step() + " without finishing; this run takes over from it"));
      }
      for (String w : run.plan.warnings()) {
        publish(new EngineEvent.Warning(run.id, now(), w));
      }
      if (run.plan.refused()) {
        return Future.failedFuture(new Run.Stopped(Status.REFUSED,
            run.plan.refusals().stream().map(Refusal::message).collect(Collectors.joining("; "))));
      }
      if (o.dryRun()) {
        return Future.failedFuture(new Run.Stopped(Status.PLANNED, "dry run: nothing was changed"));
      }
      return Future.succeededFuture(run);
    }), r -> r.plan.toEvict().size() + " to evict, " + r.plan.toDelete().size() + " to delete, "
        + r.plan.leftAlone().size() + " left alone");
  }

  /**
   * Makes the node unschedulable and records the run on it. Whether Takeover cordoned it is decided once: a node
   * that was already cordoned (by someone, or by an earlier run of ours that was cut off) keeps that answer.
   */
  private Future<Run> cordon(Run run) {
    return step(run, Step.CORDON, () -> kube.nodes.update(run.node, node -> {
      // Decided on the node as it is when written (the update re-decides after a conflict).
      NodeRecord earlier = NodeRecord.read(node);
      boolean wasCordoned = Boolean.TRUE.equals(node.getSpec().getUnschedulable());
      boolean ours = earlier != null && earlier.unfinished() ? earlier.cordonedByTakeover() : !wasCordoned;
      run.record = new NodeRecord(run.id.run(), run.ticket.id(), Step.DRAIN.label(), ours, run.ticket.requester(),
          run.started);
      return new NodeOps.Change(true, run.record.annotations());
    }).map(node -> {
      run.node = node;
      return run;
    }), r -> r.record.cordonedByTakeover() ? "cordoned " + r.nodeName()
        : r.nodeName() + " was already cordoned by someone else: it will stay cordoned");
  }

  private Future<Run> drain(Run run) {
    Instant deadline = now().plus(run.drainTimeout);
    return step(run, Step.DRAIN, () -> parts.drain().run(run.plan, deadline, new DrainProgress(parts, run.id))
        .map(result -> {
          run.drained = result;
          return run;
        }), r -> r.drained.evicted() + " evicted, " + r.drained.deleted() + " deleted");
  }

  private Future<Run> confirm(Run run) {
    List<PlannedPod> stateful = run.plan.toConfirm();
    Instant deadline = now().plus(run.confirmTimeout);
    return step(run, Step.CONFIRM, () -> kube.nodes.annotate(run.nodeName(), run.record.atStep(Step.CONFIRM.label())
        .annotations()).compose(n -> {
          StatefulPodCheck check = parts.check();
          List<Future<PodMove>> checks = new ArrayList<>();
          for (PlannedPod p : stateful) {
            Instant evictedAt = run.drained.acceptedAt().getOrDefault(p.pod().uid(), run.started);
            checks.add(check.confirm(p.pod(), run.nodeName(), p.claims(), evictedAt, deadline)
                .onSuccess(move -> {
                  run.moves.add(move);
                  publish(new EngineEvent.PodConfirmed(run.id, now(), move));
                }));
          }
          return Future.join(checks).transform(ar -> {
            List<String> failures = checks.stream().filter(Future::failed).map(f -> f.cause().getMessage())
                .sorted().toList();
            return failures.isEmpty() ? Future.succeededFuture(run)
                : Future.failedFuture("confirm failed for " + failures.size() + " of " + checks.size()
                    + " StatefulSet pods: " + String.join("; ", failures));
          });
        }), r -> stateful.isEmpty() ? "no StatefulSet pod to confirm"
        : r.moves.size() + " StatefulSet " + (r.moves.size() == 1 ? "pod" : "pods") + " Ready elsewhere with the same volumes");
  }

  /** Makes the node schedulable again if Takeover cordoned it and the maintenance does not continue. */
  private Future<Outcome> uncordon(Run run) {
    boolean hold = run.ticket.options().keepCordoned();
    if (!run.record.cordonedByTakeover() || hold) {
      // Someone else's cordon stays, and so does ours when the maintenance continues (released by a RELEASE ticket).
      Future<?> write = hold && run.record.cordonedByTakeover()
          ? kube.nodes.annotate(run.nodeName(), run.record.atStep(NodeRecord.HELD).annotations())
          : kube.nodes.annotate(run.nodeName(), NodeRecord.erased());
      String why = hold ? "kept cordoned: the maintenance continues (release it with: takeover release --node "
          + run.nodeName() + ")" : "left cordoned, as it was before the run";
      return write.map(x -> run.outcome(Status.SUCCEEDED, why, NodeState.CORDONED, now()));
    }
    return step(run, Step.UNCORDON, () -> kube.nodes.get(run.nodeName())
            .compose(node -> kube.nodes.update(node, n -> new NodeOps.Change(null, NodeRecord.erased())))
            .map(node -> {
              run.node = node;
              return run;
            }), r -> "uncordoned " + r.nodeName())
        .map(r -> run.outcome(Status.SUCCEEDED, "", NodeState.SCHEDULABLE, now()));
  }

  /** Runs one step between its started and finished events, with its duration. */
  private <T> Future<T> step(Run run, Step step, Supplier<Future<T>> body, java.util.function.Function<T, String> summary) {
    Instant start = now();
    publish(new EngineEvent.StepStarted(run.id, start, step));
    return body.get().onSuccess(t -> publish(new EngineEvent.StepFinished(run.id, now(), step,
        Duration.between(start, now()), summary.apply(t))));
  }

  private void publish(EngineEvent event) {
    parts.events().publish(event);
  }

  private Instant now() {
    return parts.clock().instant();
  }

  /** Drain progress turned into events. */
  private record DrainProgress(Engine.Parts parts, RunId run) implements Drain.Listener {
    @Override
    public void evicted(dev.takeover.engine.drain.Evictor.Evicted e) {
      parts.events().publish(new EngineEvent.PodEvicted(run, parts.clock().instant(), e.pod(), e.how(), e.attempts(), e.took()));
    }

    @Override
    public void gone(dev.takeover.engine.plan.PodRef pod, Duration afterEviction) {
      parts.events().publish(new EngineEvent.PodGone(run, parts.clock().instant(), pod, afterEviction));
    }

    @Override
    public void blocked(dev.takeover.engine.plan.PodRef pod, dev.takeover.kube.PodOps.EvictionAnswer answer,
                        int attempt, Duration retryIn) {
      String budget = answer.budget() == null ? null : pod.namespace() + "/" + Budgets.name(answer.budget());
      parts.events().publish(new EngineEvent.PodEvictionBlocked(run, parts.clock().instant(), pod, budget,
          answer.budget() != null ? answer.budget() : "HTTP " + answer.status() + " " + answer.message(), attempt, retryIn));
    }
  }
}
