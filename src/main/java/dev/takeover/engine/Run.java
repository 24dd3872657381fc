package dev.takeover.engine;

import dev.takeover.engine.drain.Drain;
import dev.takeover.engine.plan.Plan;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run's state as the sequence goes. Touched only on the engine's Vert.x context, so it needs no locks.
 * Each step leaves here what a later step (or the failure path) needs, and nothing else.
 */
final class Run {
  final RunId id;
  final Ticket ticket;
  final Instant started;
  final Duration drainTimeout;
  final Duration confirmTimeout;
  /** The ticket's options as the engine runs them (a drain keeps the node cordoned, a plan is a dry run). */
  final Ticket.Options options;
  /** Why the run was asked to stop, or null: it stops at its next safe point (before a step, before a retry). */
  String cancelled;
  /**
   * Who took the node's Lease from this run (it was judged gone: a pause, a partition), or null. The run stops at its
   * next safe point and writes nothing more on the node: it belongs to that holder now.
   */
  volatile String lostTo;
  /**
   * Why the run was halted (the daemon stops, or lost its leadership), or null. It stops at its next safe point and
   * writes nothing more: the node keeps its record, and the next leader resumes the run from it.
   */
  String halted;
  /** Set when another requester joined and holds the node: the run leaves it cordoned at the end. */
  boolean held;

  /** The node as last read or written. */
  Node node;
  Plan plan;
  /** Set once the cordon patch went through: from here on a failure must decide about the node. */
  NodeRecord record;
  Drain.Result drained;
  /** Replacements of evicted pods still not scheduled elsewhere when the confirm step ended (one line each). */
  List<String> unplaced = List.of();
  /** Where every wait of the run reports a watch that keeps failing. */
  WatchReport watches;
  final List<PodMove> moves = new ArrayList<>();
  /** StatefulSet pods evicted before a restart cut this run off: the confirm step confirms them too. */
  List<EvictedEarlier> earlier = List.of();

  Run(RunId id, Ticket ticket, Instant started, Duration drainTimeout, Duration confirmTimeout) {
    this.id = id;
    this.ticket = ticket;
    this.started = started;
    this.drainTimeout = drainTimeout;
    this.confirmTimeout = confirmTimeout;
    this.options = ticket.effectiveOptions();
  }

  /** True when the node stays cordoned at the end: the ticket says so, or another requester holds it. */
  boolean keepsCordoned() {
    return options.keepCordoned() || held;
  }

  Outcome outcome(Outcome.Status status, String reason, Outcome.NodeState left, Instant now) {
    return new Outcome(status, reason, plan, moves, left, Duration.between(started, now));
  }

  /** The refusal for a node the API server does not know, with where to look. */
  static String nodeNotFound(String node) {
    return "node " + node + " not found (kubectl get nodes lists the nodes of this cluster)";
  }

  String nodeName() {
    return ticket.node();
  }

  /** A run asked to stop, stopped at a safe point before {@code step}; after the cordon the failure policy decides about the node. */
  static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled(String why, Step step) {
      super("cancelled before the " + step.label() + " step: " + why, null, false, false);
    }

    /** Stopped at a safe point inside a step, before {@code what} ("force-deleting ns/pod"). */
    Cancelled(String why, String what) {
      super("cancelled before " + what + ": " + why, null, false, false);
    }
  }

  /** A run that ended before it began (refused, dry run, node missing). */
  static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Outcome.Status status;

    Stopped(Outcome.Status status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }
  }
}
