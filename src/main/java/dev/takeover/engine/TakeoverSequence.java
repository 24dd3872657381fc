package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Outcome.NodeState;
import dev.takeover.engine.Outcome.Status;
import dev.takeover.engine.confirm.PlacementWait;
import dev.takeover.engine.confirm.StatefulPodCheck;
import dev.takeover.engine.drain.Budgets;
import dev.takeover.engine.drain.Drain;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.events.EventStream;
import dev.takeover.engine.plan.Plan;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    run.watches = new WatchReport(parts.events(), run.id, parts.clock());
    return plan(run)                 // list the node's pods, classify each, refuse what would hang Pending
        .compose(this::cordon)       // mark the node unschedulable, and as ours only if it was not already
        .compose(this::drain)        // evict with a UID precondition; PDB 429 → back off; watch for deletion
        .compose(this::confirm)      // each StatefulSet pod Ready elsewhere with the same PVC → PV
        .compose(this::uncordon)     // only a node we cordoned, unless the maintenance continues
        .recover(cause -> new Recovery(parts).stopSafely(run, cause))
        .compose(out -> run.watches.settled().map(out)); // a watch found silent is told before the end
  }

  /** Completes with the plan on the run; fails with {@link Run.Stopped} when refused or for a dry run. */
  private Future<Run> plan(Run run) {
    return step(run, Step.PLAN, () -> parts.reader().read(run.nodeName()).compose(view -> {
      run.node = view.node();
      run.plan = Planner.plan(view, planOptions(run));
      publish(new EngineEvent.PlanReady(run.id, now(), run.plan));
      NodeRecord earlier = NodeRecord.read(view.node());
      if (earlier != null && earlier.unfinished() && !earlier.run().equals(run.id.run())) {
        publish(new EngineEvent.Warning(run.id, now(), "run " + earlier.run() + " (ticket " + earlier.ticket()
            + ") stopped at step " + earlier.step() + " without finishing; this run takes over from it"));
      }
      if (earlier != null && earlier.unfinished()) {
        run.earlier = ConfirmList.withListed(run.earlier, NodeRecord.toConfirm(view.node(),
            earlier.since() == null ? now() : earlier.since()), view.podsOnNode());
      }
      for (String w : run.plan.warnings()) {
        publish(new EngineEvent.Warning(run.id, now(), w));
      }
      if (run.plan.refused()) {
        return Future.failedFuture(new Run.Stopped(Status.REFUSED, refusals(run.plan)));
      }
      if (run.options.dryRun()) {
        return Future.failedFuture(new Run.Stopped(Status.PLANNED, "dry run: nothing was changed"));
      }
      return Future.succeededFuture(run);
    }), r -> r.plan.toEvict().size() + " to evict, " + r.plan.toDelete().size() + " to delete, "
        + r.plan.leftAlone().size() + " left alone");
  }

  private PlanOptions planOptions(Run run) {
    Ticket.Options o = run.options;
    return new PlanOptions(o.deleteEmptyDirData(), o.force(), o.allowLocalVolumes(), o.allowControlPlane(),
        config.maxNodesInMaintenance());
  }

  private static String refusals(Plan plan) {
    return plan.refusals().stream().map(Refusal::message).collect(Collectors.joining("; "));
  }

  /**
   * Makes the node unschedulable and records the run on it. Takeover owns the cordon if the node was schedulable
   * when written, or if a record of Takeover's says the cordon there is Takeover's own (a run cut off, or a node
   * held for maintenance); never when someone else's cordon is in place. The record is kept only once the
   * patch went through, or is seen on the node (an answer lost on the way back).
   */
  private Future<Run> cordon(Run run) {
    NodeRecord[] decided = new NodeRecord[1];
    return step(run, Step.CORDON, () -> kube.nodes.update(run.node, node -> {
      // Decided on the node as it is when written (the update decides again after a conflict).
      NodeRecord earlier = NodeRecord.read(node);
      boolean wasCordoned = Boolean.TRUE.equals(node.getSpec().getUnschedulable());
      boolean ours = !wasCordoned || earlier != null && earlier.cordonedByTakeover();
      decided[0] = new NodeRecord(run.id.run(), run.ticket.id(), Step.DRAIN.label(), ours, run.ticket.requester(),
          run.started);
      Map<String, String> write = new HashMap<>(decided[0].annotations());
      write.putAll(NodeRecord.toConfirm(ConfirmList.of(run, run.plan)));
      return new NodeOps.Change(true, write);
    }).recover(e -> kube.nodes.get(run.nodeName()).transform(ar -> {
      NodeRecord there = ar.succeeded() && ar.result() != null ? NodeRecord.read(ar.result()) : null;
      return there != null && run.id.run().equals(there.run()) && Boolean.TRUE.equals(ar.result().getSpec().getUnschedulable())
          ? Future.succeededFuture(ar.result()) : Future.failedFuture(e);
    })).map(node -> {
      run.node = node;
      run.record = decided[0];
      return run;
    }), r -> r.record.cordonedByTakeover() ? "cordoned " + r.nodeName()
        : r.nodeName() + " was already cordoned by someone else: it will stay cordoned");
  }

  /**
   * Evicts the node's pods. They are listed again now that the node is cordoned, as kubectl drain does: a pod the
   * scheduler placed there between the plan and the cordon is evicted too (or the run stops, naming it, if the plan
   * would refuse it).
   */
  private Future<Run> drain(Run run) {
    Instant deadline = now().plus(run.drainTimeout);
    return step(run, Step.DRAIN, () -> parts.reader().read(run.nodeName()).compose(view -> {
      Plan fresh = Planner.plan(view, planOptions(run));
      List<String> arrived = fresh.pods().stream().map(p -> p.pod().key())
          .filter(k -> run.plan.pods().stream().noneMatch(p -> p.pod().key().equals(k))).toList();
      if (!arrived.isEmpty()) {
        publish(new EngineEvent.Warning(run.id, now(), "pods placed on " + run.nodeName()
            + " after the plan, before the cordon: " + String.join(", ", arrived)));
      }
      if (fresh.refused()) {
        return Future.failedFuture("the node's pods changed before the cordon took effect: " + refusals(fresh));
      }
      boolean moreToConfirm = !ConfirmList.uids(run, run.plan).containsAll(ConfirmList.uids(run, fresh));
      run.plan = fresh;
      // A StatefulSet pod that arrived after the plan is on the node's list before it is evicted, like the others.
      Future<?> listed = moreToConfirm
          ? kube.nodes.annotate(run.nodeName(), NodeRecord.toConfirm(ConfirmList.of(run, fresh))) : Future.succeededFuture();
      return listed.compose(x -> parts.drain().run(fresh, deadline, new DrainProgress(parts, run.id, run), run.watches));
    }).map(result -> {
      run.drained = result;
      return run;
    }), r -> r.drained.evicted() + " evicted, " + r.drained.deleted() + " deleted");
  }

  /**
   * Completes when every StatefulSet pod evicted is Ready elsewhere with the same volumes (fails otherwise), and,
   * when the node is about to be uncordoned, once the other evicted pods' owners have their replacements scheduled
   * elsewhere: uncordoned earlier, the scheduler may put replacements still Pending straight back onto the node.
   */
  private Future<Run> confirm(Run run) {
    List<PlannedPod> stateful = run.plan.toConfirm();
    Instant deadline = now().plus(run.confirmTimeout);
    boolean uncordoning = run.record.cordonedByTakeover() && !run.keepsCordoned();
    List<PlannedPod> replaced = uncordoning ? PlacementWait.awaited(run.plan.toEvict()) : List.of();
    return step(run, Step.CONFIRM, () -> kube.nodes.annotate(run.nodeName(), run.record.atStep(Step.CONFIRM.label())
        .annotations()).compose(n -> {
          StatefulPodCheck check = parts.check();
          List<Future<PodMove>> checks = new ArrayList<>();
          for (PlannedPod p : stateful) {
            Instant evictedAt = run.drained.acceptedAt().getOrDefault(p.pod().uid(), run.started);
            checks.add(check.confirm(p.pod(), run.nodeName(), p.claims(), evictedAt, deadline, run.watches)
                .onSuccess(move -> {
                  run.moves.add(move);
                  publish(new EngineEvent.PodConfirmed(run.id, now(), move));
                }));
          }
          for (EvictedEarlier e : ConfirmList.earlier(run)) {
            checks.add(check.confirm(e.pod(), e.fromNode(), e.claims(), e.evictedAt(), deadline, run.watches)
                .onSuccess(move -> {
                  run.moves.add(move);
                  publish(new EngineEvent.PodConfirmed(run.id, now(), move));
                }));
          }
          Future<List<String>> placed = new PlacementWait(parts.watches(), parts.clock()).await(replaced,
              run.drained.acceptedAt(), run.nodeName(), deadline,
              run.watches, (pending, why) -> publish(new EngineEvent.PlacementWaiting(run.id, now(), pending, why)));
          return Future.join(Future.join(checks), placed).transform(ar -> {
            List<String> failures = checks.stream().filter(Future::failed).map(f -> f.cause().getMessage())
                .sorted().toList();
            if (!failures.isEmpty()) {
              return Future.failedFuture("confirm failed for " + failures.size() + " of " + checks.size()
                  + " StatefulSet pods: " + String.join("; ", failures));
            }
            List<String> pending = placed.result();
            run.unplaced = pending;
            if (!pending.isEmpty()) {
              // The StatefulSet pods moved; the rest is told, not hidden, and the uncordon goes ahead.
              publish(new EngineEvent.Warning(run.id, now(), pending.size() + " replacement(s) of evicted pods still not"
                  + " scheduled on another node at the confirm timeout; once " + run.nodeName()
                  + " is uncordoned the scheduler may put them back on it: " + String.join("; ", pending)));
            }
            return Future.succeededFuture(run);
          });
        }), r -> confirmed(r, replaced.size()));
  }

  private static String confirmed(Run r, int replaced) {
    String statefulPart = r.plan.toConfirm().isEmpty() && ConfirmList.earlier(r).isEmpty() ? "no StatefulSet pod to confirm"
        : r.moves.size() + " StatefulSet " + (r.moves.size() == 1 ? "pod" : "pods") + " Ready elsewhere with the same volumes";
    if (replaced == 0) {
      return statefulPart;
    }
    String others = replaced + " other evicted " + (replaced == 1 ? "pod" : "pods");
    return statefulPart + (r.unplaced.isEmpty() ? "; replacements of " + others + " scheduled elsewhere"
        : "; " + r.unplaced.size() + " replacement(s) of " + others + " still not scheduled elsewhere");
  }

  /** Makes the node schedulable again if Takeover cordoned it and the maintenance does not continue. */
  private Future<Outcome> uncordon(Run run) {
    boolean hold = run.keepsCordoned();
    if (!run.record.cordonedByTakeover() || hold) {
      // Someone else's cordon stays, and so does ours when the maintenance continues (released by a RELEASE ticket).
      Map<String, String> held = new HashMap<>(run.record.atStep(NodeRecord.HELD).annotations());
      held.put(NodeRecord.CONFIRM, null); // confirmed: nothing is left for a later run to check
      Future<?> write = hold && run.record.cordonedByTakeover()
          ? kube.nodes.annotate(run.nodeName(), held)
          : kube.nodes.annotate(run.nodeName(), NodeRecord.erased());
      String why = hold ? "kept cordoned: the maintenance continues (release it with: takeover release --node "
          + run.nodeName() + ")" : "left cordoned, as it was before the run";
      // The pods moved: a failed annotation does not undo that, and must not trigger the failure policy's uncordon.
      return write.transform(ar -> Future.succeededFuture(run.outcome(Status.SUCCEEDED, ar.succeeded() ? why
          : why + "; the node's record could not be updated (" + ar.cause().getMessage() + ")", NodeState.CORDONED, now())));
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
    if (run.cancelled != null) {
      // A safe point: nothing of the next step has begun.
      return Future.failedFuture(new Run.Cancelled(run.cancelled, step));
    }
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
  private record DrainProgress(Engine.Parts parts, RunId run, Run state) implements Drain.Listener {
    @Override
    public boolean cancelled() {
      return state.cancelled != null;
    }

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
