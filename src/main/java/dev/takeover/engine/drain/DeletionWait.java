package dev.takeover.engine.drain;

import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells when pods are gone from a node, from one list-watch of the node's pods (never the whole cluster's). A pod
 * counts as gone when it is deleted, or when its name is held by a pod with another uid (a StatefulSet already
 * recreated it), as kubectl's waitForDelete says. The watch brings the news fast; the safety re-list brings it
 * anyway when the watch fails. What was last seen of each pod is kept, so that a timeout says what it knows.
 * All state is touched on the owning Vert.x context only.
 */
public final class DeletionWait implements AutoCloseable {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private final ListWatches watches;
  private final Clock clock;
  private final Map<String, Awaited> awaited = new HashMap<>(); // by uid
  private ListWatch<Pod> pods;
  private Future<Void> lastLook;

  /** One awaited pod and what was last seen of it. */
  private static final class Awaited {
    final PodRef pod;
    final Promise<Void> gone = Promise.promise();
    Pod last;
    Instant lastAt;
    String replacedBy;

    Awaited(PodRef pod) {
      this.pod = pod;
    }
  }

  private DeletionWait(ListWatches watches, Clock clock) {
    this.watches = watches;
    this.clock = clock;
  }

  /**
   * Lists the node's pods and starts watching them, for the given pods (all registered before the first list,
   * so that none can slip between the two); call on the owning context.
   */
  public static Future<DeletionWait> open(ListWatches watches, String node, List<PodRef> toWatch, WatchHealth health,
                                          Clock clock) {
    DeletionWait w = new DeletionWait(watches, clock);
    for (PodRef pod : toWatch) {
      w.awaited.put(pod.uid(), new Awaited(pod));
    }
    return watches.start(WatchScope.podsOnNode(node), health, new ListWatch.Listener<>() {
      @Override
      public void listed(List<Pod> items) {
        w.listed(items);
      }

      @Override
      public void changed(Watcher.Action action, Pod pod) {
        w.changed(action, pod);
      }
    }).map(lw -> {
      w.pods = lw;
      return w;
    });
  }

  /** Completes when the pod (one of those given to open) is gone; the caller bounds the wait. */
  public Future<Void> gone(PodRef pod) {
    return awaited(pod).gone.future();
  }

  /**
   * Completes when the pod is gone, or fails at the deadline; the timer runs on the owning context (a plain
   * promise's timeout would not), so what follows stays there too.
   */
  public Future<Void> gone(PodRef pod, Instant deadline) {
    Future<Void> gone = awaited(pod).gone.future();
    if (gone.isComplete()) {
      return gone;
    }
    Promise<Void> bounded = Promise.promise();
    long left = Math.max(1, java.time.Duration.between(clock.instant(), deadline).toMillis());
    long timer = watches.context().owner().setTimer(left, t -> bounded.tryFail("the deadline passed"));
    gone.onComplete(ar -> {
      watches.context().owner().cancelTimer(timer);
      bounded.tryComplete();
    });
    return bounded.future();
  }

  /** Reads the node's pods once more (one read shared by every pod whose wait ends now), e.g. at the deadline. */
  public Future<Void> lastLook() {
    if (lastLook == null || lastLook.isComplete()) {
      lastLook = pods == null ? Future.succeededFuture() : pods.listNow().otherwiseEmpty();
    }
    return lastLook;
  }

  /**
   * What was last seen of a pod that is not gone, in words: "still running (Running, Ready) as of 10:00:01.234",
   * "terminating since 10:00:00.000 (grace period 30 s), as of 10:00:09.876".
   */
  public String lastSeen(PodRef pod) {
    Awaited a = awaited(pod);
    if (a.gone.future().isComplete()) {
      return a.replacedBy != null ? "replaced by a pod with uid " + a.replacedBy : "gone";
    }
    if (a.last == null) {
      return "never read since the eviction";
    }
    String asOf = " as of " + TIME.format(a.lastAt) + (pods != null && pods.lastListed() != null
        ? ", last listed at " + TIME.format(pods.lastListed()) : "");
    String deletion = a.last.getMetadata().getDeletionTimestamp();
    if (deletion != null) {
      // deletionTimestamp is when the grace period ends; it began that long before.
      Long grace = a.last.getMetadata().getDeletionGracePeriodSeconds();
      Instant due = Instant.parse(deletion);
      List<String> finalizers = a.last.getMetadata().getFinalizers();
      String held = finalizers == null || finalizers.isEmpty() ? "" : "held by finalizers " + String.join(", ", finalizers);
      String detail = grace == null ? held : "grace period " + grace + " s" + (held.isEmpty() ? "" : "; " + held);
      return "terminating since " + TIME.format(grace == null ? due : due.minusSeconds(grace))
          + (detail.isEmpty() ? "" : " (" + detail + ")") + "," + asOf;
    }
    String phase = a.last.getStatus() == null ? null : a.last.getStatus().getPhase();
    return "still running (" + (phase == null ? "phase unknown" : phase) + ", not marked for deletion)," + asOf;
  }

  private Awaited awaited(PodRef pod) {
    Awaited a = awaited.get(pod.uid());
    if (a == null) {
      throw new IllegalArgumentException(pod + " was not given to open()");
    }
    return a;
  }

  private void listed(List<Pod> items) {
    Map<String, Pod> byKey = new HashMap<>();
    for (Pod p : items) {
      byKey.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
    }
    for (Awaited a : awaited.values()) {
      Pod now = byKey.get(a.pod.key());
      if (now == null) {
        a.gone.tryComplete();
      } else {
        seen(a, now);
      }
    }
  }

  private void changed(Watcher.Action action, Pod pod) {
    Awaited a = awaited.get(pod.getMetadata().getUid());
    if (a != null) {
      if (action == Watcher.Action.DELETED) {
        a.gone.tryComplete();
      } else {
        seen(a, pod);
      }
      return;
    }
    // Same name, other uid: the pod waited for has been replaced, so it is gone.
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    for (Awaited other : awaited.values()) {
      if (other.pod.key().equals(key) && action != Watcher.Action.DELETED) {
        seen(other, pod);
      }
    }
  }

  private void seen(Awaited a, Pod now) {
    if (!a.pod.uid().equals(now.getMetadata().getUid())) {
      a.replacedBy = now.getMetadata().getUid();
      a.gone.tryComplete();
      return;
    }
    a.last = now;
    a.lastAt = clock.instant();
  }

  @Override
  public void close() {
    if (pods != null) {
      pods.close();
    }
  }
}
