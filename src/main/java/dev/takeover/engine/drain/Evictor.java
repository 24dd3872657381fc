package dev.takeover.engine.drain;

import dev.takeover.config.Backoff;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.PodOps;
import dev.takeover.kube.PodOps.EvictionAnswer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * Evicts one pod through the Eviction API and keeps asking, with a jittered exponential backoff, while a
 * PodDisruptionBudget says no (429) — until the drain's deadline. Never a tight loop: every retry waits
 * at least the backoff's delay (or the server's Retry-After, when longer).
 */
public final class Evictor {

  /** Told about every refusal before the wait that follows it. */
  public interface BlockedListener {
    void blocked(PodRef pod, EvictionAnswer answer, int attempt, Duration retryIn);

    /** True when the run was cancelled: a refused eviction is not retried. */
    default boolean cancelled() {
      return false;
    }
  }

  /** An eviction the API server accepted; {@code how} is "evicted" or "already-gone". */
  public record Evicted(PodRef pod, String how, int attempts, Duration took) {}

  private final Vertx vertx;
  private final PodOps pods;
  private final Backoff backoff;
  private final Clock clock;
  private final DoubleSupplier random;

  public Evictor(Vertx vertx, PodOps pods, Backoff backoff, Clock clock, DoubleSupplier random) {
    this.vertx = vertx;
    this.pods = pods;
    this.backoff = backoff;
    this.clock = clock;
    this.random = random;
  }

  /** Completes when the API server accepted the eviction; fails with {@link EvictionFailed} otherwise. */
  public Future<Evicted> evict(PodRef pod, Instant deadline, BlockedListener listener) {
    Promise<Evicted> result = Promise.promise();
    attempt(pod, 1, clock.instant(), deadline, listener, result);
    return result.future();
  }

  private void attempt(PodRef pod, int attempt, Instant started, Instant deadline, BlockedListener listener,
                       Promise<Evicted> result) {
    pods.evict(pod).compose(a -> settleConflict(pod, a)).onComplete(ar -> {
      EvictionAnswer answer = ar.succeeded() ? ar.result()
          : new EvictionAnswer(EvictionAnswer.Kind.RETRY, 0, ar.cause().getMessage(), null, null);
      Duration took = Duration.between(started, clock.instant());
      switch (answer.kind()) {
        case ACCEPTED -> result.complete(new Evicted(pod, "evicted", attempt, took));
        case GONE -> result.complete(new Evicted(pod, "already-gone", attempt, took));
        case REFUSED -> result.fail(new EvictionFailed(pod, answer, attempt, false));
        case BLOCKED, RETRY -> {
          if (listener.cancelled()) {
            result.fail(new EvictionFailed(pod, answer, attempt, false));
            return;
          }
          Duration left = Duration.between(clock.instant(), deadline);
          if (left.isNegative() || left.isZero()) {
            result.fail(new EvictionFailed(pod, answer, attempt, true));
            return;
          }
          Duration delay = backoff.delay(attempt, answer.retryAfter(), random);
          // One last try at the deadline rather than giving up a whole backoff early.
          Duration wait = delay.compareTo(left) > 0 ? left : delay;
          listener.blocked(pod, answer, attempt, wait);
          vertx.setTimer(Math.max(1, wait.toMillis()), t -> {
            if (listener.cancelled()) {
              // Cancelled or halted during the backoff: no further attempt (a halted run writes nothing more).
              result.fail(new EvictionFailed(pod, answer, attempt, false));
            } else {
              attempt(pod, attempt + 1, started, deadline, listener, result);
            }
          });
        }
        default -> throw new IllegalStateException(answer.kind().toString());
      }
    });
  }

  /**
   * A 409 of unknown wording: the pod is read again by name. Absent, or held by another uid, the planned pod is
   * gone; the same uid means a passing conflict, retried with the backoff (never for the whole drain timeout
   * on a misread answer).
   */
  private Future<EvictionAnswer> settleConflict(PodRef pod, EvictionAnswer answer) {
    if (answer.kind() != EvictionAnswer.Kind.CONFLICT) {
      return Future.succeededFuture(answer);
    }
    return pods.get(pod.namespace(), pod.name()).transform(ar -> {
      boolean gone = ar.succeeded() && (ar.result() == null || !pod.uid().equals(ar.result().getMetadata().getUid()));
      return Future.succeededFuture(new EvictionAnswer(gone ? EvictionAnswer.Kind.GONE : EvictionAnswer.Kind.RETRY,
          answer.status(), answer.message(), null, answer.retryAfter()));
    });
  }

  /** An eviction that did not happen: the last answer says why. */
  public static final class EvictionFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient PodRef pod;

    EvictionFailed(PodRef pod, EvictionAnswer last, int attempts, boolean timedOut) {
      super(describe(pod, last, attempts, timedOut), null, false, false);
      this.pod = pod;
    }

    public PodRef pod() {
      return pod;
    }

    private static String describe(PodRef pod, EvictionAnswer last, int attempts, boolean timedOut) {
      String why = last.budget() != null
          ? "PodDisruptionBudget " + pod.namespace() + "/" + Budgets.name(last.budget()) + " forbids it ("
            + last.budget() + ")"
          : (last.status() > 0 ? "HTTP " + last.status() + " " : "") + last.message();
      return pod.key() + ": not evicted" + (timedOut ? " before the drain timeout" : "") + " after "
          + attempts + (attempts == 1 ? " attempt" : " attempts") + ": " + why;
    }
  }
}
