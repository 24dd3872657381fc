package dev.takeover.engine.confirm;

import dev.takeover.engine.PodMove;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.PodOps;
import dev.takeover.kube.StorageOps;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The ready-postcondition of a takeover: a StatefulSet pod evicted from the node is back — same name, new uid,
 * Ready on another node — and its claims are the same PVCs, still Bound to the same PVs. Watch-driven: one
 * watch on the pod's name, opened before the first read.
 */
public final class StatefulPodCheck {
  private final Vertx vertx;
  private final Context context;
  private final PodOps pods;
  private final StorageOps storage;
  private final Clock clock;

  public StatefulPodCheck(Vertx vertx, Context context, PodOps pods, StorageOps storage, Clock clock) {
    this.vertx = vertx;
    this.context = context;
    this.pods = pods;
    this.storage = storage;
    this.clock = clock;
  }

  /**
   * Completes with the move once confirmed; fails at the deadline with where the move stands, or at once if
   * a claim is now bound to another volume. Call on the owning context.
   */
  public Future<PodMove> confirm(PodRef old, String fromNode, List<ClaimBinding> claims, Instant evictedAt,
                                 Instant deadline) {
    return new Check(old, fromNode, claims, evictedAt, deadline).start();
  }

  private final class Check {
    final PodRef old;
    final String fromNode;
    final List<ClaimBinding> claims;
    final Instant evictedAt;
    final Instant deadline;
    final Promise<PodMove> result = Promise.promise();
    Pod last;
    Watch watch;
    boolean verifying;
    long timer = -1;

    Check(PodRef old, String fromNode, List<ClaimBinding> claims, Instant evictedAt, Instant deadline) {
      this.old = old;
      this.fromNode = fromNode;
      this.claims = claims;
      this.evictedAt = evictedAt;
      this.deadline = deadline;
    }

    Future<PodMove> start() {
      long left = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
      timer = vertx.setTimer(left, t -> result.tryFail(old.key() + ": not confirmed before the confirm timeout: "
          + MovedPod.whyNot(old, fromNode, last)));
      watchThenRead().onFailure(result::tryFail);
      return result.future().eventually(() -> {
        vertx.cancelTimer(timer);
        if (watch != null) {
          watch.close();
        }
        return Future.succeededFuture();
      });
    }

    /** Opens the watch on the pod's name, then reads the pod once: a change before the watch opened is not missed. */
    Future<Void> watchThenRead() {
      return pods.watchName(old.namespace(), old.name(),
              (action, pod) -> context.runOnContext(v -> seen(action, pod)),
              cause -> context.runOnContext(v -> rewatch()))
          .compose(w -> {
            watch = w;
            if (result.future().isComplete()) {
              w.close();
            }
            return pods.get(old.namespace(), old.name());
          })
          .map(pod -> {
            seen(pod == null ? Watcher.Action.DELETED : Watcher.Action.MODIFIED, pod);
            return null;
          });
    }

    /** The watch ended with an error (e.g. 410 Gone): watch again, unless the check is over. */
    void rewatch() {
      rewatchUntilOpen(1);
    }

    /** Backs off (1 s doubling to 30 s) while the API server cannot be reached; the check's deadline still holds. */
    void rewatchUntilOpen(int attempt) {
      if (result.future().isComplete()) {
        return;
      }
      watchThenRead().onFailure(e -> vertx.setTimer(Math.min(30_000L, 1000L << Math.min(attempt - 1, 5)),
          t -> rewatchUntilOpen(attempt + 1)));
    }

    void seen(Watcher.Action action, Pod pod) {
      if (result.future().isComplete() || verifying) {
        return;
      }
      last = action == Watcher.Action.DELETED ? null : pod;
      if (MovedPod.arrived(old, fromNode, claims, last)) {
        verifying = true;
        Pod arrived = last;
        Instant readyAt = clock.instant();
        verifyClaims(arrived).onComplete(ar -> {
          verifying = false;
          if (ar.succeeded()) {
            result.tryComplete(new PodMove(old, arrived.getMetadata().getUid(), fromNode, MovedPod.nodeOf(arrived),
                claims, Duration.between(evictedAt, readyAt)));
          } else {
            result.tryFail(ar.cause());
          }
        });
      }
    }

    /** Each claim still Bound to the volume it had before: the data moved with the pod. */
    Future<Void> verifyClaims(Pod arrived) {
      List<Future<PersistentVolumeClaim>> reads = new ArrayList<>();
      for (ClaimBinding c : claims) {
        reads.add(storage.claim(old.namespace(), c.claim()));
      }
      return Future.all(reads).compose(all -> {
        for (int i = 0; i < claims.size(); i++) {
          ClaimBinding expected = claims.get(i);
          PersistentVolumeClaim pvc = all.resultAt(i);
          String bound = pvc == null || pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
          String phase = pvc == null || pvc.getStatus() == null ? null : pvc.getStatus().getPhase();
          if (pvc == null) {
            return Future.failedFuture(old.key() + ": claim " + expected.claim() + " disappeared");
          }
          if (expected.volume() != null && !expected.volume().equals(bound)) {
            return Future.failedFuture(old.key() + ": claim " + expected.claim() + " is bound to " + bound
                + ", it was bound to " + expected.volume() + " before the move");
          }
          if (!"Bound".equals(phase)) {
            return Future.failedFuture(old.key() + ": claim " + expected.claim() + " is " + phase + ", not Bound");
          }
        }
        return Future.succeededFuture();
      });
    }
  }
}
