package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.Outcome.NodeState;
import dev.takeover.engine.Outcome.Status;
import dev.takeover.engine.confirm.StatefulPodCheck;
import dev.takeover.engine.drain.Drain;
import dev.takeover.engine.drain.Evictor;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.events.EventStream;
import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlanOptions;
import dev.takeover.engine.plan.Planner;
import dev.takeover.kube.Kube;
import dev.takeover.kube.ListWatches;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Takes tickets from any source and runs them, one run per node at a time. All run state lives on one Vert.x
 * context; Kubernetes calls go to the worker pool or the asynchronous HTTP client, so no event loop blocks.
 * Every step and outcome is published on {@link EventStream}.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** What the steps share, built once. */
  record Parts(Vertx vertx, Context context, Kube kube, EngineConfig config, EventStream events, Clock clock,
               ClusterReader reader, ListWatches watches, Drain drain, StatefulPodCheck check, Recovering recovery,
               NodeGuard guard) {}

  /**
   * What a recovery of a dead node may do: the dead-node policies and limits, and the fencing hook (null: none, then
   * only a requester's statement that the node is powered off is evidence).
   */
  public record Recovering(RecoveryConfig config, Fence fence) {
    /** Notify only, no hook: every recover ticket is refused. */
    public static final Recovering NONE = new Recovering(RecoveryConfig.defaults(), null);
  }

  private final Parts parts;
  private final Map<String, String> running = new HashMap<>(); // node → run id
  private final Map<String, Run> runs = new HashMap<>(); // run id → run in progress
  /** Why this engine halted (then it starts no run), or null. On its context only. */
  private String halting;
  private final Map<String, Future<Outcome>> outcomes = new HashMap<>(); // run id → its end, while in progress
  private final Map<String, NodeGuard.Held> holds = new java.util.concurrent.ConcurrentHashMap<>(); // run id → its node

  private Engine(Parts parts) {
    this.parts = parts;
  }

  /** Builds the engine on a context of its own (all run state lives there). */
  public static Future<Engine> start(Vertx vertx, Kube kube, EngineConfig config, EventStream events, Clock clock) {
    return start(vertx, kube, config, Recovering.NONE, events, clock);
  }

  /** Builds the engine, able to recover dead nodes as {@code recovering} allows. */
  public static Future<Engine> start(Vertx vertx, Kube kube, EngineConfig config, Recovering recovering,
                                     EventStream events, Clock clock) {
    Promise<Engine> started = Promise.promise();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      Evictor evictor = new Evictor(vertx, kube.pods, config.evictionBackoff(), clock,
          () -> ThreadLocalRandom.current().nextDouble());
      ListWatches watches = new ListWatches(context, kube.calls(), config.relistPeriod());
      Parts parts = new Parts(vertx, context, kube, config, events, clock, new ClusterReader(kube), watches,
          new Drain(watches, kube.pods, evictor, clock), new StatefulPodCheck(watches, clock), recovering,
          new NodeGuard(vertx, kube.leases, kube.identity, clock, config.nodeLease()));
      started.complete(new Engine(parts));
    });
    return started.future();
  }

  /**
   * Runs a ticket to its end. The future always succeeds with an {@link Outcome} (a failure is an outcome, with
   * its reason); it fails only if the engine itself breaks.
   */
  public Future<Outcome> submit(Ticket ticket) {
    return submit(ticket, RunControl.FRESH);
  }

  /**
   * How the caller starts a run: with a run id of its choosing (the daemon records it before the start, so that a
   * restarted daemon resumes the same run), whether this is such a resumption, and the StatefulSet pods the run
   * evicted before it was cut off: they are no longer on the node, so its plan does not show them, yet the resumed
   * run confirms them as it confirms the pods it evicts itself.
   *
   * <p>{@code resumable}: the caller resumes runs (the daemon's scheduler), so a run cut off because it lost its node's
   * Lease is told as {@code takeover.run.interrupted}, not finished, and the caller decides whether to resume it. The
   * CLI's runs are not: a process that lost its node ends there.
   */
  public record RunControl(String runId, boolean resumed, List<EvictedEarlier> earlier, boolean resumable) {
    public static final RunControl FRESH = new RunControl(null, false);

    public RunControl {
      earlier = earlier == null ? List.of() : List.copyOf(earlier);
    }

    public RunControl(String runId, boolean resumed) {
      this(runId, resumed, List.of(), false);
    }
  }

  /** Runs a ticket with the run id and resumption of {@code control}; see {@link #submit(Ticket)}. */
  public Future<Outcome> submit(Ticket ticket, RunControl control) {
    Promise<Outcome> done = Promise.promise();
    parts.context().runOnContext(v -> runOnContext(ticket, control).onComplete(done));
    return done.future();
  }

  /**
   * The plan of a run on {@code node} now, read only (what {@code --dry-run} prints): nothing is written, no run is
   * started, and the maintenance limit is counted as for a run. Fails when the node cannot be read.
   */
  public Future<Plan> plan(String node, PlanOptions options) {
    Promise<Plan> planned = Promise.promise();
    parts.context().runOnContext(v -> parts.reader().read(node)
        .map(view -> Planner.plan(view, options.withMaxNodesInMaintenance(parts.config().maxNodesInMaintenance())))
        .recover(e -> Future.failedFuture(e instanceof Run.Stopped
            ? new java.util.NoSuchElementException("node " + node + " is not in the cluster") : e))
        .onComplete(planned));
    return planned.future();
  }

  /**
   * Asks a run to stop at its next safe point (before a step; a PDB-refused eviction is not retried). Before the
   * cordon nothing is changed; after it the node follows the failure policy. Completes with false for no such run.
   */
  public Future<Boolean> cancel(String runId, String why) {
    return onContext(runId, run -> run.cancelled = why);
  }

  /**
   * Another requester holds the node ({@code held}): the run leaves it cordoned at the end; or no longer does (the
   * requester was cancelled before the run ended). False for no such run.
   */
  public Future<Boolean> hold(String runId, boolean held) {
    return onContext(runId, run -> run.held = held);
  }

  private Future<Boolean> onContext(String runId, java.util.function.Consumer<Run> change) {
    Promise<Boolean> done = Promise.promise();
    parts.context().runOnContext(v -> {
      Run run = runs.get(runId);
      if (run != null) {
        change.accept(run);
      }
      done.complete(run != null);
    });
    return done.future();
  }

  private Future<Outcome> runOnContext(Ticket ticket, RunControl control) {
    Future<Outcome> already = control.runId() == null ? null : outcomes.get(control.runId());
    if (already != null) {
      // The same run asked for again (a restarted scheduler resuming it): it is in progress, not started twice.
      return already;
    }
    String runId = control.runId() != null ? control.runId() : "run-" + UUID.randomUUID().toString().substring(0, 8);
    RunId id = RunId.of(runId, ticket);
    Ticket.Options o = ticket.effectiveOptions();
    Run run = new Run(id, ticket, parts.clock().instant(),
        o.drainTimeout() != null ? o.drainTimeout() : parts.config().drainTimeout(),
        o.confirmTimeout() != null ? o.confirmTimeout() : parts.config().confirmTimeout());
    run.earlier = control.earlier();
    if (halting != null) {
      // A scheduler still deploying or stopping on a replica stepping down: the run is neither started here nor told
      // (as started or as ended, so not recorded as ended); the next leader starts it.
      id.keys().during(() -> LOG.info("{}: not started, this engine halted: {}", id, halting));
      return Future.succeededFuture(run.outcome(Status.REFUSED, "not started: " + halting, NodeState.UNKNOWN,
          parts.clock().instant()));
    }
    parts.events().publish(new EngineEvent.RunStarted(id, run.started, ticket.kind().label(),
        o.dryRun(), ticket.reason(), control.resumed()));
    id.keys().during(() -> LOG.info("{}: {} requested by {} via {}{}", id, ticket.kind(), ticket.requester(),
        ticket.source(), control.resumed() ? " (resumed)" : ""));
    Future<Outcome> outcome;
    String busy = running.get(ticket.node());
    if (ticket.kind() == Ticket.Kind.CANCEL) {
      outcome = Future.succeededFuture(run.outcome(Status.REFUSED, "a cancel ticket is for the scheduler, not a run",
          NodeState.UNKNOWN, parts.clock().instant()));
    } else if (busy != null) {
      outcome = Future.succeededFuture(run.outcome(Status.REFUSED, "run " + busy + " is already working on node "
          + ticket.node(), NodeState.UNKNOWN, parts.clock().instant()));
    } else {
      if (!o.dryRun()) {
        running.put(ticket.node(), id.run());
      }
      runs.put(id.run(), run);
      outcome = guarded(run, control.resumed(), () -> ticket.kind() == Ticket.Kind.RELEASE ? new Recovery(parts).release(run)
          : ticket.kind() == Ticket.Kind.RECOVER ? new RecoverSequence(parts).run(run)
          : new TakeoverSequence(parts).run(run))
          .recover(e -> Future.succeededFuture(run.outcome(Status.FAILED, "internal error: " + e,
              NodeState.UNKNOWN, parts.clock().instant())))
          .andThen(ar -> {
            running.remove(ticket.node(), id.run());
            runs.remove(id.run(), run);
          });
    }
    Future<Outcome> told = outcome.onSuccess(out -> {
      id.keys().during(() -> LOG.info("{}: {} in {} ms{}", id, out.status(), out.took().toMillis(),
          out.reason().isEmpty() ? "" : ": " + out.reason()));
      if (run.halted != null) {
        // Not finished: cut off, and resumed by the next leader. Told as an end, it would be recorded as one.
        return;
      }
      if (run.lostTo != null && control.resumable() && out.status() != Status.SUCCEEDED) {
        // Cut off from its node's Lease, mostly because this process could not reach the API server for a while:
        // the same cut soon deposes a daemon's leader, and the next one resumes the run. Told as finished, the
        // ticket would end failed for good (RunInterrupted says why: the scheduler resumes it if it still leads).
        parts.events().publish(new EngineEvent.RunInterrupted(id, parts.clock().instant(), out));
        return;
      }
      parts.events().publish(new EngineEvent.RunFinished(id, parts.clock().instant(), out));
    });
    if (runs.containsKey(id.run())) {
      outcomes.put(id.run(), told);
      told.onComplete(ar -> outcomes.remove(id.run()));
    }
    return told;
  }

  /**
   * Runs {@code sequence} holding the node's Lease ({@link NodeGuard}), so that no other process acts on the node
   * meanwhile; a dry run writes nothing and holds nothing. Another holder: the run is refused, naming it (a resumed
   * run first waits, up to its drain timeout, for the holder to stop renewing).
   */
  private Future<Outcome> guarded(Run run, boolean resumed, java.util.function.Supplier<Future<Outcome>> sequence) {
    if (run.options.dryRun()) {
      return sequence.get();
    }
    // A resumed run waits as long as its drain may take for the previous holder (a deposed leader still halting, or
    // gone: its Lease runs out); a fresh one only rides out a stale-looking holder and transient errors.
    Duration patience = resumed ? run.drainTimeout : parts.config().nodeLease().multipliedBy(3);
    return parts.guard().acquire(run, resumed, patience).transform(held -> {
      if (held.failed()) {
        Throwable e = held.cause();
        String why = e instanceof NodeGuard.Taken ? e.getMessage()
            : "node " + run.nodeName() + "'s Lease could not be taken, so nothing was done: " + e.getMessage();
        return Future.succeededFuture(run.outcome(Status.REFUSED, why, NodeState.UNKNOWN, parts.clock().instant()));
      }
      // Released before the outcome is told: whoever hears of the end may take the node at once.
      holds.put(run.id.run(), held.result());
      return sequence.get().eventually(() -> {
        holds.remove(run.id.run());
        return held.result().release();
      });
    });
  }

  /**
   * A node Takeover recovered is back: removes the out-of-service taint, only one Takeover put there (its marker
   * annotation names the recover ticket), and only if the node is Ready when written. Completes
   * with what was done, in one line; never fails for a node that needs nothing.
   */
  public Future<OutOfServiceEnd> endOutOfService(String node) {
    Promise<OutOfServiceEnd> done = Promise.promise();
    parts.context().runOnContext(v -> new OutOfServiceRemoval(parts).end(node).onComplete(done));
    return done.future();
  }

  /** @param removed the taint was removed now; {@code ticket} the recover ticket that put it there (or null) */
  public record OutOfServiceEnd(boolean removed, String ticket, String reason) {}

  /**
   * Nothing of its own to stop: each run's waits close with the run. A run still in progress here did not reach a
   * safe point within {@link #halt}'s bound: it is said, with its keys; every write a run makes is whole (the cordon
   * with its record, an eviction, the uncordon), so the next start resumes it all the same.
   */
  @Override
  public void close() {
    for (Run run : runs.values()) {
      if (!run.options.dryRun()) {
        run.id.keys().during(() -> LOG.warn("{}: still in progress at stop, not at a safe point; the next start "
            + "resumes it from its record on the node", run.id));
      }
    }
  }

  /**
   * Lets go of every node's Lease held now, leaving the runs as they are: for a process about to exit (the CLI on
   * Ctrl-C), so that the next run need not wait for the Leases to run out.
   */
  public Future<Void> letGo() {
    return Future.join(holds.values().stream().map(NodeGuard.Held::release).toList()).mapEmpty();
  }

  /**
   * Halts every run at its next safe point (before a step, between eviction retries) without the failure policy:
   * nothing more is written on the nodes, whose records say where each run stood, so that the next leader resumes
   * them. From then on it starts no run (one asked for is left to the next leader, not told as finished). Completes
   * when they have stopped (and let go of their nodes' Leases), or after {@code bound}.
   */
  public Future<Void> halt(String why, java.time.Duration bound) {
    Promise<Void> done = Promise.promise();
    parts.context().runOnContext(v -> {
      halting = why;
      runs.values().forEach(run -> {
        run.halted = why;
        run.cancelled = why;
        run.id.keys().during(() -> LOG.info("{}: halting at its next safe point, left resumable: {}", run.id, why));
      });
      List<Future<Outcome>> ends = List.copyOf(outcomes.values());
      long timer = parts.vertx().setTimer(bound.toMillis(), t -> done.tryComplete());
      Future.join(ends).onComplete(ar -> {
        parts.vertx().cancelTimer(timer);
        done.tryComplete();
      });
    });
    return done.future();
  }
}
