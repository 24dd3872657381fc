package dev.takeover.engine;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.Outcome.NodeState;
import dev.takeover.engine.Outcome.Status;
import dev.takeover.engine.drain.DeletionWait;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.recover.RecoverDecision;
import dev.takeover.engine.recover.RecoverDecision.Stuck;
import dev.takeover.kube.NodeOps;
import dev.takeover.kube.PodOps;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The recovery of a node that is down, as Kubernetes' non-graceful node shutdown procedure has an operator do it
 * by hand (seed §12.1 (4): the StatefulSet makes no replacement while the old pod exists): make sure the node is off
 * (fence), taint it {@code node.kubernetes.io/out-of-service=nodeshutdown:NoExecute} so that pod GC force-deletes its
 * pods and the attach-detach controller lets go of their volumes, then confirm each StatefulSet pod Ready on another
 * node with the same PVC → PV. The taint stays until the node is Ready again ({@link Engine#endOutOfService}).
 */
final class RecoverSequence {
  static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

  private final Engine.Parts parts;
  private final RecoveryConfig config;
  private final Fence fence;

  RecoverSequence(Engine.Parts parts) {
    this.parts = parts;
    this.config = parts.recovery().config();
    this.fence = parts.recovery().fence();
  }

  /** What a recovery does between its steps. */
  private static final class State {
    List<Stuck> stuck = List.of();
    boolean tainted;
    /** When the pods were let go (taint or force delete): the replacements are timed from here. */
    Instant releasedFrom;
    List<String> forced = List.of();
    /** The node carries this ticket's taint already: a run cut off after its taint step began. */
    boolean resumedAfterTaint;
  }

  Future<Outcome> run(Run run) {
    run.watches = new WatchReport(parts.events(), run.id, parts.clock());
    State s = new State();
    return plan(run, s)               // down long enough, allowed, not a partition, with evidence it is off
        .compose(r -> s.resumedAfterTaint ? Future.succeededFuture(run) : fence(run)) // the hook powers it off
        .compose(r -> taint(run, s))  // re-read: still down? then out-of-service; pod GC force-deletes the pods
        .compose(r -> confirm(run, s))  // each StatefulSet pod Ready elsewhere with the same PVC → PV
        .recover(cause -> new Recovery(parts).stopSafely(run, cause).map(out -> s.tainted
            ? new Outcome(out.status(), out.reason() + "; the out-of-service taint stays on " + run.nodeName()
                + " until it is Ready again", out.plan(), out.moves(), NodeState.OUT_OF_SERVICE, out.took())
            : out))
        .compose(out -> run.watches.settled().map(out));
  }

  private Future<String> plan(Run run, State s) {
    return step(run, Step.PLAN, () -> parts.reader().read(run.nodeName()).compose(view -> parts.kube().nodes.leases()
        .compose(leases -> {
          run.node = view.node();
          Map<String, String> annotations = view.node().getMetadata().getAnnotations();
          if (annotations != null && run.ticket.id().equals(annotations.get(NodeRecord.OUT_OF_SERVICE))) {
            // This ticket tainted the node before the daemon was cut off: its fence and its decision were made; the
            // pods it listed on the node are let go (again, if needed) and confirmed.
            s.stuck = NodeRecord.toConfirm(view.node(), run.started).stream()
                .map(e -> new Stuck(e.pod(), e.claims())).toList();
            s.resumedAfterTaint = true;
            s.tainted = true; // its taint is there, whatever happens next: the outcome must say it stays
            return Future.succeededFuture("resumed after its taint: " + s.stuck.size() + " StatefulSet pod(s) to"
                + " confirm: " + String.join("; ", s.stuck.stream().map(Stuck::toString).toList()));
          }
          Map<String, Lease> byNode = new HashMap<>();
          leases.forEach(l -> byNode.put(l.getMetadata().getName(), l));
          RecoverDecision.Verdict v = RecoverDecision.decide(
              new RecoverDecision.Facts(view.node(), view.nodes(), byNode, view.podsOnNode(), view.claims(),
                  underMaintenance(view.node()), now()),
              new RecoverDecision.Request(run.ticket.source(), run.ticket.requester(), run.options.poweredOff(),
                  fence != null),
              config);
          if (v instanceof RecoverDecision.Refused r) {
            return Future.failedFuture(new Run.Stopped(Status.REFUSED, r.reason()));
          }
          if (v instanceof RecoverDecision.NothingStuck n) {
            return Future.failedFuture(new Run.Stopped(Status.SUCCEEDED, n.reason()));
          }
          RecoverDecision.Go go = (RecoverDecision.Go) v;
          s.stuck = go.pods();
          if (run.options.dryRun()) {
            return Future.failedFuture(new Run.Stopped(Status.PLANNED, "dry run: " + go.pods().size()
                + " StatefulSet pod(s) would be recovered; nothing was changed"));
          }
          return Future.succeededFuture(go.pods().size() + " StatefulSet pod(s) stuck on " + run.nodeName() + ": "
              + String.join("; ", go.pods().stream().map(Stuck::toString).toList()) + "; down for "
              + RecoverDecision.human(go.downFor()) + "; evidence it is off: " + go.evidence());
        })), summary -> summary);
  }

  private Future<Run> fence(Run run) {
    if (fence == null) {
      return Future.succeededFuture(run); // the requester's statement is the evidence (told in the plan step)
    }
    // Within the run's keys: the hook's own line about it carries them.
    return step(run, Step.FENCE, () -> run.id.keys().within(() -> fence.powerOff(run.nodeName(), run.ticket.id(),
            run.ticket.reason()))
        .recover(e -> Future.failedFuture("fencing " + run.nodeName() + " failed (" + fence.describe() + "): "
            + e.getMessage() + "; nothing in the cluster was changed")), account -> account).map(run);
  }

  /**
   * Reads the node and its Lease once more and taints it only if it is still down (the decision runs on the node as
   * written: a conflict reads it again). Then waits {@code podGcWait} for pod GC to delete the stuck pods, and
   * force-deletes (grace 0, UID precondition) those still there: a cluster without the feature ignores the taint.
   */
  private Future<Run> taint(Run run, State s) {
    return step(run, Step.TAINT, () -> taintNow(run, s, 1).compose(node -> {
          run.node = node;
          s.tainted = s.tainted || config.outOfServiceTaint();
          return podsGone(run, s);
        }), x -> (!s.tainted ? "" : s.resumedAfterTaint ? run.nodeName() + " keeps the " + OUT_OF_SERVICE + " taint this "
        + "ticket put there before the run was cut off; " : "tainted " + run.nodeName() + " " + OUT_OF_SERVICE
        + "=nodeshutdown:NoExecute; ")
        + (s.forced.isEmpty() ? "pod GC deleted the stuck pods" : "force-deleted " + String.join(", ", s.forced)
        + (s.tainted ? " (pod GC had not deleted them within deadNodes.podGcWait)" : " (deadNodes.outOfServiceTaint false)"))
        + " in " + Duration.between(run.started, now()).toMillis() + " ms since the start").map(run);
  }

  /**
   * Reads the Lease and the node, and taints the node only if both say it is still down, in a write that carries the
   * node's resourceVersion: a conflict (the node changed: its kubelet may be back) reads both again and decides again.
   */
  private Future<Node> taintNow(Run run, State s, int attempt) {
    if (run.cancelled != null) {
      // Asked to stop (cancelled, halted, or the node's Lease lost) while a conflict was read again: no taint.
      return Future.failedFuture(new Run.Cancelled(run.cancelled, Step.TAINT));
    }
    return parts.kube().nodes.lease(run.nodeName()).compose(lease -> parts.kube().nodes.get(run.nodeName())
        .compose(node -> {
          if (node == null) {
            return Future.failedFuture(new Run.Stopped(Status.FAILED, Run.nodeNotFound(run.nodeName())));
          }
          if (!config.outOfServiceTaint()) {
            String alive = RecoverDecision.alive(node, lease, now());
            return alive != null ? Future.failedFuture(cameBack(alive, s)) : Future.succeededFuture(node);
          }
          return parts.kube().nodes.updateTaintsOnce(node, n -> outOfService(run, n, lease, s))
              .recover(e -> dev.takeover.kube.KubeCalls.statusOf(e) == 409 && attempt < 5 ? taintNow(run, s, attempt + 1)
                  : Future.failedFuture(e));
        }));
  }

  /** The pods to confirm, written with the taint: a run cut off after it knows them from the node (see plan). */
  private static Map<String, String> confirmList(Run run, List<Stuck> stuck) {
    return NodeRecord.toConfirm(stuck.stream().map(p -> new EvictedEarlier(p.pod(), run.nodeName(), p.claims(),
        run.started)).toList());
  }

  private NodeOps.TaintChange outOfService(Run run, Node node, Lease lease, State s) {
    List<Stuck> stuck = s.stuck;
    if (run.cancelled != null) {
      throw new Run.Cancelled(run.cancelled, Step.TAINT); // asked while the node and its Lease were read
    }
    String alive = RecoverDecision.alive(node, lease, now());
    if (alive != null) {
      throw cameBack(alive, s);
    }
    List<Taint> taints = new ArrayList<>(node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints());
    Map<String, String> marker = new HashMap<>();
    if (taints.stream().noneMatch(t -> OUT_OF_SERVICE.equals(t.getKey()) && "NoExecute".equals(t.getEffect()))) {
      taints.add(new TaintBuilder().withKey(OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute").build());
      // Ours to remove when the node is back; a taint an operator put there stays theirs.
      marker.put(NodeRecord.OUT_OF_SERVICE, run.ticket.id());
      marker.putAll(confirmList(run, stuck));
      return new NodeOps.TaintChange(taints, marker);
    }
    return new NodeOps.TaintChange(null, marker);
  }

  /** Fails with {@link #cameBack} when the node or its Lease says it runs now. */
  private Future<Void> stillDown(Run run) {
    return parts.kube().nodes.lease(run.nodeName()).compose(lease -> parts.kube().nodes.get(run.nodeName())
        .compose(node -> {
          String alive = node == null ? null : RecoverDecision.alive(node, lease, now());
          return alive == null ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(new Run.Stopped(
              Status.FAILED, alive + " before its pods were force-deleted: it came back, so nothing was force-deleted"));
        }));
  }

  private static Run.Stopped cameBack(String alive, State s) {
    return new Run.Stopped(Status.FAILED, alive + " just before the taint: it came back, so " + (s.resumedAfterTaint
        ? "nothing more was done (the taint this ticket put there before the run was cut off is removed once it is"
        + " Ready)" : "nothing was tainted"));
  }

  /** Waits for the stuck pods to go (pod GC), then force-deletes the rest; completes when all are gone. */
  private Future<Void> podsGone(Run run, State s) {
    List<dev.takeover.engine.plan.PodRef> pods = s.stuck.stream().map(Stuck::pod).toList();
    s.releasedFrom = now();
    Instant gcDeadline = now().plus(s.tainted ? config.podGcWait() : Duration.ZERO);
    return DeletionWait.open(parts.watches(), run.nodeName(), pods, run.watches, parts.clock()).compose(wait -> {
      List<Future<Void>> each = new ArrayList<>();
      List<String> forced = new ArrayList<>();
      for (var pod : pods) {
        each.add(wait.gone(pod, gcDeadline).recover(late -> wait.lastLook().compose(x -> {
          if (wait.gone(pod).isComplete()) {
            return Future.succeededFuture();
          }
          if (run.cancelled != null) {
            // A safe point: during pod GC's wait the run was cancelled or halted, or lost the node's Lease (another
            // holder decides now). A force delete is a write: not one more.
            return Future.failedFuture(new Run.Cancelled(run.cancelled, "force-deleting " + pod.key()));
          }
          // Read again before a force delete too: a node back during pod GC's wait keeps its pods.
          return stillDown(run).compose(y -> {
            if (run.cancelled != null) {
              // asked while it read
              return Future.failedFuture(new Run.Cancelled(run.cancelled, "force-deleting " + pod.key()));
            }
            forced.add(pod.key());
            return parts.kube().pods.forceDelete(pod);
          }).compose(answer -> answer.kind() == PodOps.EvictionAnswer.Kind.ACCEPTED
              || answer.kind() == PodOps.EvictionAnswer.Kind.GONE || answer.status() == 409 ? Future.succeededFuture()
              : Future.failedFuture("force-deleting " + pod.key() + " failed: HTTP " + answer.status() + " "
                  + answer.message()))
              .compose(y -> wait.gone(pod, now().plus(Duration.ofSeconds(30)))
                  .recover(e -> Future.failedFuture(pod.key() + " still there 30 s after its force delete: "
                      + wait.lastSeen(pod))));
        })));
      }
      return Future.join(each).transform(ar -> {
        wait.close();
        s.forced = forced;
        List<String> failures = each.stream().filter(Future::failed).map(f -> f.cause().getMessage()).toList();
        Throwable cancelled = each.stream().filter(Future::failed).map(Future::cause)
            .filter(c -> c instanceof Run.Cancelled).findFirst().orElse(null);
        return cancelled != null ? Future.<Void>failedFuture(cancelled) // said once, as a cancel
            : failures.isEmpty() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(String.join("; ", failures));
      });
    });
  }

  private Future<Outcome> confirm(Run run, State s) {
    Instant deadline = now().plus(run.confirmTimeout);
    return step(run, Step.CONFIRM, () -> {
      List<Future<PodMove>> checks = new ArrayList<>();
      for (Stuck stuck : s.stuck) {
        checks.add(parts.check().confirm(stuck.pod(), run.nodeName(), stuck.claims(), s.releasedFrom, deadline,
            run.watches).onSuccess(move -> {
              run.moves.add(move);
              parts.events().publish(new EngineEvent.PodConfirmed(run.id, now(), move));
            }));
      }
      // Why a replacement is not Ready yet, told as it happens: its volume still attached to the dead node.
      List<String> volumes = s.stuck.stream().flatMap(p -> p.claims().stream()).map(c -> c.volume())
          .filter(v -> v != null).distinct().toList();
      var release = new dev.takeover.engine.confirm.VolumeRelease(parts.watches(), parts.clock());
      Future<Map<String, Instant>> released = release.await(volumes, run.nodeName(), deadline, run.watches,
          (volume, line) -> parts.events().publish(new EngineEvent.Warning(run.id, now(), line)), Future.join(checks));
      return Future.join(Future.join(checks), released).transform(ar -> {
        List<String> failures = checks.stream().filter(Future::failed).map(f -> f.cause().getMessage()).sorted().toList();
        java.util.Set<String> ofFailed = new java.util.HashSet<>();
        for (int i = 0; i < checks.size(); i++) {
          if (checks.get(i).failed()) {
            s.stuck.get(i).claims().stream().map(c -> c.volume()).filter(v -> v != null).forEach(ofFailed::add);
          }
        }
        return failures.isEmpty() ? Future.succeededFuture(run) : Future.failedFuture("confirm failed for "
            + failures.size() + " of " + checks.size() + " StatefulSet pods: " + String.join("; ", failures)
            + release.stillAttached(ofFailed, s.tainted)); // why: a volume of theirs the dead node still holds
      });
    }, r -> r.moves.size() + " StatefulSet " + (r.moves.size() == 1 ? "pod" : "pods")
        + " Ready elsewhere with the same volumes")
        // Confirmed: nothing is left for a resumed run to check (a failed erase only leaves a list a later run reads).
        // Not by a run halted or cut off from its node while it waited (a wait is no safe point): it writes nothing
        // more, and the list is the next leader's, which resumes the run from it.
        .compose(r -> run.halted != null || run.lostTo != null ? Future.succeededFuture(r)
            : parts.kube().nodes.annotate(run.nodeName(), java.util.Collections.singletonMap(NodeRecord.CONFIRM,
            null)).transform(ar -> Future.succeededFuture(r)))
        .map(r -> run.outcome(Status.SUCCEEDED, s.tainted
        ? "the out-of-service taint stays on " + run.nodeName() + " until it is Ready again; Takeover removes it then"
        : "", s.tainted ? NodeState.OUT_OF_SERVICE : NodeState.UNKNOWN, now()));
  }

  private <T> Future<T> step(Run run, Step step, Supplier<Future<T>> body, Function<T, String> summary) {
    if (run.cancelled != null) {
      return Future.failedFuture(new Run.Cancelled(run.cancelled, step));
    }
    Instant start = now();
    parts.events().publish(new EngineEvent.StepStarted(run.id, start, step));
    return body.get().onSuccess(t -> parts.events().publish(new EngineEvent.StepFinished(run.id, now(), step,
        Duration.between(start, now()), summary.apply(t))));
  }

  private Instant now() {
    return parts.clock().instant();
  }

  /** A run holds the node (or holds it drained); a failed run's record, left for a human, holds nothing. */
  private static boolean underMaintenance(Node node) {
    NodeRecord record = NodeRecord.read(node);
    return record != null && record.underMaintenance();
  }
}
