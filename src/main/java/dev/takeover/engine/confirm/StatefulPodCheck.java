package dev.takeover.engine.confirm;

import dev.takeover.engine.PodMove;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ready-postcondition of a takeover: a StatefulSet pod evicted from the node is back — same name, new uid,
 * Ready on another node — and its claims are the same PVCs, Bound to the same PVs. Each is awaited through a
 * list-watch of that one name (the pod, then each claim), so a failing watch only makes it slower.
 */
public final class StatefulPodCheck {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private final ListWatches watches;
  private final Clock clock;

  public StatefulPodCheck(ListWatches watches, Clock clock) {
    this.watches = watches;
    this.clock = clock;
  }

  /**
   * Completes with the move once confirmed; fails at the deadline with where the move stands (after one last
   * read), or at once if a claim is now bound to another volume. Call on the owning context.
   */
  public Future<PodMove> confirm(PodRef old, String fromNode, List<ClaimBinding> claims, Instant evictedAt,
                                 Instant deadline, WatchHealth health) {
    return new Check(old, fromNode, claims, evictedAt, health).start(deadline);
  }

  private final class Check {
    final PodRef old;
    final String fromNode;
    final List<ClaimBinding> claims;
    final Instant evictedAt;
    final WatchHealth health;
    final Promise<PodMove> result = Promise.promise();
    final List<ListWatch<?>> open = new ArrayList<>();
    final Map<String, PersistentVolumeClaim> claimsSeen = new HashMap<>();
    Pod last;
    Instant lastAt;
    Pod arrived;
    Instant readyAt;

    Check(PodRef old, String fromNode, List<ClaimBinding> claims, Instant evictedAt, WatchHealth health) {
      this.old = old;
      this.fromNode = fromNode;
      this.claims = claims;
      this.evictedAt = evictedAt;
      this.health = health;
    }

    Future<PodMove> start(Instant deadline) {
      long left = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
      long timer = watches.context().owner().setTimer(left, t -> lastLook());
      follow(WatchScope.pod(old.namespace(), old.name()), this::seenPod);
      return result.future().eventually(() -> {
        watches.context().owner().cancelTimer(timer);
        open.forEach(ListWatch::close);
        return Future.succeededFuture();
      });
    }

    /** Follows one name; {@code seen} gets the object, or null once it is gone. */
    <T extends HasMetadata> void follow(WatchScope<T> scope, Consumer<T> seen) {
      watches.start(scope, health, new ListWatch.Listener<T>() {
        @Override
        public void listed(List<T> items) {
          seen.accept(items.isEmpty() ? null : items.get(0));
        }

        @Override
        public void changed(Watcher.Action action, T object) {
          seen.accept(action == Watcher.Action.DELETED ? null : object);
        }
      }).onSuccess(lw -> {
        if (result.future().isComplete()) {
          lw.close();
        } else {
          open.add(lw);
        }
      });
    }

    void seenPod(Pod pod) {
      if (result.future().isComplete() || arrived != null) {
        return;
      }
      last = pod;
      lastAt = clock.instant();
      if (MovedPod.arrived(old, fromNode, claims, pod)) {
        arrived = pod;
        readyAt = lastAt;
        if (claims.isEmpty()) {
          done();
        }
        for (ClaimBinding c : claims) {
          follow(WatchScope.claim(old.namespace(), c.claim()), pvc -> seenClaim(c, pvc));
        }
      }
    }

    /** Each claim Bound to the volume it had before: the data moved with the pod. */
    void seenClaim(ClaimBinding expected, PersistentVolumeClaim pvc) {
      if (result.future().isComplete()) {
        return;
      }
      claimsSeen.put(expected.claim(), pvc);
      String bound = pvc == null || pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
      if (pvc != null && expected.volume() != null && bound != null && !bound.isEmpty() && !expected.volume().equals(bound)) {
        result.tryFail(old.key() + ": claim " + expected.claim() + " is bound to " + bound
            + ", it was bound to " + expected.volume() + " before the move");
        return;
      }
      if (claims.stream().allMatch(c -> claimHolds(c, claimsSeen.get(c.claim())))) {
        done();
      }
    }

    void done() {
      result.tryComplete(new PodMove(old, arrived.getMetadata().getUid(), fromNode, MovedPod.nodeOf(arrived), claims,
          Duration.between(evictedAt, readyAt), MovedPod.readySince(arrived)));
    }

    /** At the deadline: one last read of what is still awaited, then the verdict with what was last seen. */
    void lastLook() {
      List<Future<Void>> reads = open.stream().map(ListWatch::listNow).toList();
      Future.join(new ArrayList<>(reads)).onComplete(ar -> result.tryFail(old.key()
          + ": not confirmed before the confirm timeout: " + whereItStands()));
    }

    String whereItStands() {
      if (arrived == null) {
        return MovedPod.whyNot(old, fromNode, last) + (lastAt == null ? " (never read)" : " (as of " + TIME.format(lastAt) + ")");
      }
      List<String> waiting = new ArrayList<>();
      for (ClaimBinding c : claims) {
        PersistentVolumeClaim pvc = claimsSeen.get(c.claim());
        if (!claimHolds(c, pvc)) {
          waiting.add("claim " + c.claim() + (pvc == null ? " not found" : " is "
              + (pvc.getStatus() == null ? "without status" : pvc.getStatus().getPhase()) + ", not Bound to " + c.volume()));
        }
      }
      return "Ready on " + MovedPod.nodeOf(arrived) + ", but " + String.join(", ", waiting);
    }
  }

  private static boolean claimHolds(ClaimBinding expected, PersistentVolumeClaim pvc) {
    if (pvc == null || pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase())) {
      return false;
    }
    String bound = pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
    return expected.volume() == null || expected.volume().equals(bound);
  }
}
