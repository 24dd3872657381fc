package dev.takeover.engine.drain;

import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlannedPod;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.PodOps;
import dev.takeover.kube.PodOps.EvictionAnswer;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The drain: finished pods are deleted without waiting; every other planned pod is evicted (all at once, as
 * kubectl does) and awaited until it is gone from the node. Fails, after every pod has had its chance, with
 * one line per pod that did not leave.
 */
public final class Drain {

  /** Progress, as it happens (for events and output). */
  public interface Listener extends Evictor.BlockedListener {
    void evicted(Evictor.Evicted evicted);

    void gone(PodRef pod, Duration afterEviction);
  }

  /** When each evicted pod's eviction was accepted: the confirm step measures time to Ready from there. */
  public record Result(Map<String, Instant> acceptedAt, int evicted, int deleted) {}

  private final ListWatches watches;
  private final PodOps pods;
  private final Evictor evictor;
  private final Clock clock;

  public Drain(ListWatches watches, PodOps pods, Evictor evictor, Clock clock) {
    this.watches = watches;
    this.pods = pods;
    this.evictor = evictor;
    this.clock = clock;
  }

  /** Call on the owning context; {@code health} hears about the node's pod watch if it keeps failing. */
  public Future<Result> run(Plan plan, Instant deadline, Listener listener, WatchHealth health) {
    List<PodRef> toEvict = plan.toEvict().stream().map(PlannedPod::pod).toList();
    Map<String, Instant> acceptedAt = new HashMap<>();
    return DeletionWait.open(watches, plan.node(), toEvict, health, clock).compose(wait -> {
      List<Future<?>> all = new ArrayList<>();
      for (PlannedPod p : plan.toDelete()) {
        all.add(deleteFinished(p.pod(), listener));
      }
      for (PlannedPod p : plan.toEvict()) {
        all.add(evictorAndWait(p, deadline, wait, acceptedAt, listener));
      }
      return Future.join(all)
          .<Result>transform(ar -> {
            List<String> failures = new ArrayList<>();
            for (Future<?> f : all) {
              if (f.failed()) {
                failures.add(f.cause().getMessage());
              }
            }
            if (!failures.isEmpty()) {
              failures.sort(null);
              return Future.failedFuture(new DrainFailed(failures));
            }
            return Future.succeededFuture(new Result(Map.copyOf(acceptedAt), toEvict.size(), plan.toDelete().size()));
          })
          .eventually(() -> {
            wait.close();
            return Future.succeededFuture();
          });
    });
  }

  private Future<Void> deleteFinished(PodRef pod, Listener listener) {
    Instant start = clock.instant();
    return pods.delete(pod).compose(answer -> switch (answer.kind()) {
      case ACCEPTED, GONE -> {
        listener.evicted(new Evictor.Evicted(pod, answer.kind() == EvictionAnswer.Kind.GONE ? "already-gone" : "deleted",
            1, Duration.between(start, clock.instant())));
        yield Future.<Void>succeededFuture();
      }
      default -> Future.failedFuture(pod.key() + ": finished pod not deleted: HTTP " + answer.status() + " "
          + answer.message());
    });
  }

  private Future<Void> evictorAndWait(PlannedPod planned, Instant deadline, DeletionWait wait,
                                      Map<String, Instant> acceptedAt, Listener listener) {
    PodRef pod = planned.pod();
    return evictor.evict(pod, deadline, listener).compose(evicted -> {
      Instant accepted = clock.instant();
      acceptedAt.put(pod.uid(), accepted);
      listener.evicted(evicted);
      // At the deadline, one more read before giving up: a pod gone unseen is gone, not a failure.
      return wait.gone(pod, deadline)
          .recover(e -> wait.lastLook().compose(v -> wait.gone(pod).isComplete() ? Future.<Void>succeededFuture()
              : Future.failedFuture(pod.key() + ": evicted, but " + wait.lastSeen(pod) + " when the drain timed out")))
          .map(v -> {
            listener.gone(pod, Duration.between(accepted, clock.instant()));
            return null;
          });
    });
  }

  /** The drain did not empty the node; one line per pod that stayed. */
  public static final class DrainFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> reasons;

    DrainFailed(List<String> reasons) {
      super("drain failed for " + reasons.size() + (reasons.size() == 1 ? " pod: " : " pods: ")
          + String.join("; ", reasons), null, false, false);
      this.reasons = List.copyOf(reasons);
    }

    public List<String> reasons() {
      return reasons;
    }
  }
}
