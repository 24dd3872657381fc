package dev.takeover.engine.events;

import dev.takeover.engine.Outcome;
import dev.takeover.engine.PodMove;
import dev.takeover.engine.RunId;
import dev.takeover.engine.Step;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlannedPod;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.engine.plan.Refusal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything a run does, as it happens. Subscribers (the command line's printer, and later Kafka CloudEvents,
 * Slack, metrics and Kubernetes Events) attach to these on the event bus and never change the engine.
 *
 * <p>The JSON shape is a contract, documented in docs/events.md: every event has {@code schema}, {@code type},
 * {@code time}, {@code run}, {@code ticket}, {@code node}, {@code source}, {@code requester}, plus the fields
 * of its type. New fields may be added; none is renamed or removed without a new schema number.
 */
public sealed interface EngineEvent {

  /** Bumped only when a field changes meaning or disappears. */
  int SCHEMA = 1;

  RunId run();

  Instant at();

  /** Stable type name, e.g. {@code takeover.pod.evicted}. */
  String type();

  /** The fields of this type. */
  JsonObject fields();

  default JsonObject toJson() {
    return new JsonObject()
        .put("schema", SCHEMA)
        .put("type", type())
        .put("time", at().toString())
        .put("run", run().run())
        .put("ticket", run().ticket())
        .put("node", run().node())
        .put("source", run().source())
        .put("requester", run().requester())
        .mergeIn(fields());
  }

  /** A ticket was accepted and its run begins. */
  record RunStarted(RunId run, Instant at, String kind, boolean dryRun, String reason, boolean resumed)
      implements EngineEvent {
    public String type() { return "takeover.run.started"; }

    public JsonObject fields() {
      return new JsonObject().put("kind", kind).put("dryRun", dryRun).put("reason", reason).put("resumed", resumed);
    }
  }

  /** The plan: what will be evicted, deleted, left alone and why; warnings; refusals. */
  record PlanReady(RunId run, Instant at, Plan plan) implements EngineEvent {
    public String type() { return "takeover.plan.ready"; }

    public JsonObject fields() {
      JsonArray pods = new JsonArray();
      for (PlannedPod p : plan.pods()) {
        pods.add(new JsonObject()
            .put("pod", p.pod().key()).put("uid", p.pod().uid())
            .put("action", p.action().name().toLowerCase(java.util.Locale.ROOT)).put("reason", p.reason())
            .put("ownerKind", p.ownerKind()).put("ownerName", p.ownerName())
            .put("claims", claims(p.claims()))
            // Whether the confirm step waits for it: a restarted daemon confirms exactly these if they were evicted.
            .put("confirm", plan.toConfirm().contains(p)));
      }
      JsonArray refusals = new JsonArray();
      for (Refusal r : plan.refusals()) {
        refusals.add(new JsonObject().put("reason", r.reason()).put("objects", new JsonArray(r.objects()))
            .put("remedy", r.remedy()).put("message", r.message()));
      }
      return new JsonObject().put("pods", pods).put("warnings", new JsonArray(plan.warnings()))
          .put("refusals", refusals);
    }
  }

  /** A step began. */
  record StepStarted(RunId run, Instant at, Step step) implements EngineEvent {
    public String type() { return "takeover.step.started"; }

    public JsonObject fields() {
      return new JsonObject().put("step", step.label());
    }
  }

  /** A step ended well. */
  record StepFinished(RunId run, Instant at, Step step, Duration took, String summary) implements EngineEvent {
    public String type() { return "takeover.step.finished"; }

    public JsonObject fields() {
      return new JsonObject().put("step", step.label()).put("tookMs", took.toMillis()).put("summary", summary);
    }
  }

  /** A PodDisruptionBudget refused an eviction (HTTP 429); Takeover retries after {@code retryIn}. */
  record PodEvictionBlocked(RunId run, Instant at, PodRef pod, String budget, String message, int attempt,
                            Duration retryIn) implements EngineEvent {
    public String type() { return "takeover.pod.eviction-blocked"; }

    public JsonObject fields() {
      return new JsonObject().put("pod", pod.key()).put("uid", pod.uid()).put("budget", budget)
          .put("message", message).put("attempt", attempt).put("retryInMs", retryIn.toMillis());
    }
  }

  /**
   * The API server accepted the eviction (or deletion) of a pod; {@code how} is {@code evicted}, {@code deleted}
   * (a finished pod) or {@code already-gone} (404, or a new pod holds the name: the planned one is gone).
   */
  record PodEvicted(RunId run, Instant at, PodRef pod, String how, int attempts, Duration took)
      implements EngineEvent {
    public String type() { return "takeover.pod.evicted"; }

    public JsonObject fields() {
      return new JsonObject().put("pod", pod.key()).put("uid", pod.uid()).put("how", how)
          .put("attempts", attempts).put("tookMs", took.toMillis());
    }
  }

  /** The pod object is gone from the node (its graceful deletion finished). */
  record PodGone(RunId run, Instant at, PodRef pod, Duration took) implements EngineEvent {
    public String type() { return "takeover.pod.gone"; }

    public JsonObject fields() {
      return new JsonObject().put("pod", pod.key()).put("uid", pod.uid()).put("tookMs", took.toMillis());
    }
  }

  /**
   * A StatefulSet pod is Ready on another node with the same claims bound to the same volumes; {@code readyAt} is
   * when its Ready condition turned True (null if the pod did not say), the event's time when Takeover confirmed it.
   */
  record PodConfirmed(RunId run, Instant at, PodMove move) implements EngineEvent {
    public String type() { return "takeover.pod.confirmed"; }

    public JsonObject fields() {
      return new JsonObject().put("pod", move.pod().key()).put("oldUid", move.pod().uid())
          .put("newUid", move.newUid()).put("fromNode", move.fromNode()).put("toNode", move.toNode())
          .put("claims", claims(move.claims())).put("timeToReadyMs", move.timeToReady().toMillis())
          // The kubelet's Ready time: the metrics tell how long after it Takeover confirmed the pod.
          .put("readyAt", move.readySince() == null ? null : move.readySince().toString());
    }
  }

  /**
   * A watch the run depends on keeps failing (or stays silent while lists show changes); the run goes on by
   * listing every {@code listingEvery}. Published once per cause, and again only when the cause changes.
   */
  record WatchFailing(RunId run, Instant at, String watch, String cause, Duration listingEvery) implements EngineEvent {
    public String type() { return "takeover.watch.failing"; }

    public JsonObject fields() {
      return new JsonObject().put("watch", watch).put("cause", cause).put("listingEveryMs", listingEvery.toMillis());
    }
  }

  /** A watch reported failing works again. */
  record WatchRecovered(RunId run, Instant at, String watch) implements EngineEvent {
    public String type() { return "takeover.watch.recovered"; }

    public JsonObject fields() {
      return new JsonObject().put("watch", watch);
    }
  }

  /**
   * Replacements of evicted pods (ReplicaSet and other owners) not yet scheduled on another node: published as
   * the count falls, before the uncordon. {@code why} has at most a few lines, the scheduler's words included.
   */
  record PlacementWaiting(RunId run, Instant at, int pending, List<String> why) implements EngineEvent {
    public String type() { return "takeover.placement.waiting"; }

    public JsonObject fields() {
      return new JsonObject().put("pending", pending).put("why", new JsonArray(why.stream().limit(5).toList()));
    }
  }

  /** Something the operator should know that does not stop the run. */
  record Warning(RunId run, Instant at, String message) implements EngineEvent {
    public String type() { return "takeover.warning"; }

    public JsonObject fields() {
      return new JsonObject().put("message", message);
    }
  }

  /** The run ended; the last event of every run. */
  record RunFinished(RunId run, Instant at, Outcome outcome) implements EngineEvent {
    public String type() { return "takeover.run.finished"; }

    public JsonObject fields() {
      JsonArray moves = new JsonArray();
      for (PodMove m : outcome.moves()) {
        moves.add(new PodConfirmed(run, at, m).fields());
      }
      return new JsonObject().put("status", outcome.status().name().toLowerCase(java.util.Locale.ROOT))
          .put("reason", outcome.reason()).put("nodeLeft", outcome.nodeLeft().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
          .put("tookMs", outcome.took().toMillis()).put("moves", moves);
    }
  }

  /**
   * The run stopped because it lost its node's Lease, and its caller resumes runs ({@link
   * dev.takeover.engine.Engine.RunControl#resumable}): it is not finished. The last event of this attempt; the fields
   * are those of {@link RunFinished}, the outcome had it ended here. The node keeps the run's record.
   */
  record RunInterrupted(RunId run, Instant at, Outcome outcome) implements EngineEvent {
    public String type() { return "takeover.run.interrupted"; }

    public JsonObject fields() {
      return new RunFinished(run, at, outcome).fields();
    }
  }

  private static JsonArray claims(List<ClaimBinding> claims) {
    JsonArray a = new JsonArray();
    for (ClaimBinding c : claims) {
      a.add(new JsonObject().put("claim", c.claim()).put("volume", c.volume()));
    }
    return a;
  }
}
