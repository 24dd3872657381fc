package dev.takeover.schedule;

import dev.takeover.schedule.TicketEntry.State;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import static dev.takeover.schedule.TicketTable.data;
import static dev.takeover.schedule.TicketTable.state;
import static dev.takeover.schedule.TicketTable.str;
import static dev.takeover.schedule.WaitingTickets.finish;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The scheduler's decisions, as plain Java: which ticket runs when, which joins a maintenance in progress, which
 * waits and why, which expires. It keeps every ticket it has seen (for duplicates) and answers each input with the
 * {@link Effect}s to carry out. Not thread-safe: the scheduler verticle calls it on its own context.
 *
 * <p>The rules: a run never starts outside its window, and a ticket that could not start before its window's end
 * expires. Tickets of one node run in the order they were accepted. At most {@code maxNodesInMaintenance} nodes are
 * in maintenance at once (nodes with a run or a hold of Takeover's, and nodes cordoned by anyone), and runs pass
 * plan and cordon one at a time, so two runs cannot both pass the check; a configured gate holds new runs while
 * Prometheus alerts fire. A ticket for a node already under maintenance joins it, and the node is uncordoned only
 * when the last requester has released it.
 */
final class Schedule {
  /** How often one ticket's run may be interrupted (its node's Lease lost) and resumed before it ends failed. */
  static final int MAX_INTERRUPTIONS = 3;
  private final StartLimits limits;
  private final Clock clock;
  private final TicketTable tickets = new TicketTable();
  private final WaitingTickets waiting;

  Schedule(int maxNodesInMaintenance, Clock clock) {
    this.limits = new StartLimits(maxNodesInMaintenance);
    this.clock = clock;
    this.waiting = new WaitingTickets(tickets, limits, clock);
  }

  /** The Prometheus gate: why new runs are held now, or null (see {@link StartLimits}). */
  void gate(java.util.function.Supplier<String> gate) {
    limits.gate(gate);
  }

  /** What became of a submitted ticket. */
  sealed interface Submitted {
    /** The same record read again (a restart before its offset was committed): nothing to do. */
    record Redelivered() implements Submitted {}

    record Duplicate(TicketEntry of) implements Submitted {}

    record Rejected(Rejection rejection) implements Submitted {}

    record Accepted(TicketEntry entry) implements Submitted {}
  }

  /** A ticket from the state topic, as it was recorded. */
  void restore(TicketEntry e) {
    tickets.put(e);
  }

  /** After a restart: the runs that were in progress start again, with their run ids. */
  List<Effect> resume() {
    List<Effect> out = new ArrayList<>();
    for (TicketEntry e : tickets.sorted(State.RUNNING)) {
      if (needsTurn(e) && waiting.cordoning() != null) {
        // Two were before plan or cordon (one had its turn, one waited after an interruption): one at a time.
        out.add(new Effect.Resume(e.runId));
      } else {
        resume(e, out);
      }
    }
    return out;
  }

  private void resume(TicketEntry e, List<Effect> out) {
    if (needsTurn(e)) {
      waiting.cordoning(e.runId);
    }
    out.add(new Effect.Start(e, true));
    // The engine's hold lived in the old process (or run): a joined requester that keeps the node cordoned tells
    // it again.
    if (tickets.joinedTo(e.runId).stream().anyMatch(TicketEntry::keepsCordoned)) {
      out.add(new Effect.Hold(e.runId, true));
    }
    if (e.cancelAsked != null) {
      out.add(new Effect.Cancel(e.runId, e.cancelAsked));
    }
  }

  /**
   * The pause after an interrupted run is over: it starts again, resumed, if its ticket is still running it (not
   * cancelled meanwhile, not ended by an operator's release).
   */
  void resumeInterrupted(String runId, List<Effect> out) {
    TicketEntry e = tickets.byRun(runId);
    if (e == null || e.state != State.RUNNING || !runId.equals(e.runId)) {
      return;
    }
    if (needsTurn(e) && waiting.cordoning() != null && !runId.equals(waiting.cordoning())) {
      // Another run passes plan and cordon now (it started during the pause): this one waits for its turn, or the
      // two could both pass the maintenance limit.
      out.add(new Effect.Resume(runId));
      return;
    }
    resume(e, out);
  }

  /** Whether a resumed run of this ticket passes plan and cordon again (one run at a time does). */
  private static boolean needsTurn(TicketEntry e) {
    return WaitingTickets.takesTurn(e.ticket) && (e.step == null || "plan".equals(e.step) || "cordon".equals(e.step));
  }

  TicketEntry get(String id) {
    return tickets.get(id);
  }

  TicketEntry byRun(String runId) {
    return tickets.byRun(runId);
  }

  /** Forgets the tickets that ended before {@code before} (a repeat of one is then a new ticket); their ids. */
  List<String> forget(Instant before) {
    return tickets.forget(before);
  }

  int size() {
    return tickets.size();
  }

  /** A valid ticket from an input. {@code from} names its record, to tell a redelivery from a duplicate. */
  Submitted submit(Ticket t, String fingerprint, String from, List<Effect> out) {
    TicketEntry known = tickets.get(t.id());
    if (known != null) {
      if (!known.fingerprint.equals(fingerprint)) {
        return new Submitted.Rejected(new Rejection("duplicate-conflict", "ticket " + t.id()
            + " was already accepted with other content (from " + known.from + "); use a new id"));
      }
      if (from != null && from.equals(known.from)) {
        return new Submitted.Redelivered();
      }
      // The source of this repeat (metrics count tickets by where they came from), not of the first.
      out.add(new Effect.Emit("duplicate", known, data(known).put("state", state(known)).put("source", t.source())));
      return new Submitted.Duplicate(known);
    }
    if (t.kind() == Ticket.Kind.CANCEL) {
      TicketEntry target = tickets.get(t.target());
      if (target == null) {
        return new Submitted.Rejected(new Rejection("unknown-target", "cancel of ticket " + t.target()
            + ", which was never accepted"));
      }
      TicketEntry cancel = accept(t, fingerprint, from, out);
      cancel(cancel, target, out);
      return new Submitted.Accepted(cancel);
    }
    TicketEntry e = accept(t, fingerprint, from, out);
    waiting.evaluate(Set.of(), out);
    return new Submitted.Accepted(e);
  }

  private TicketEntry accept(Ticket t, String fingerprint, String from, List<Effect> out) {
    TicketEntry e = new TicketEntry(t, fingerprint, tickets.next(), clock.instant(), from);
    tickets.put(e);
    out.add(new Effect.Record(e));
    JsonObject data = data(e).put("action", t.kind().label()).put("requestedBy", t.requester())
        .put("reason", t.reason()).put("source", t.source());
    if (t.window() != null) {
      data.put("window", new JsonObject().put("start", str(t.window().start())).put("end", str(t.window().end())));
    }
    out.add(new Effect.Emit("accepted", e, data));
    return e;
  }

  /** Looks at every waiting ticket (see {@link WaitingTickets#evaluate}). */
  void evaluate(Set<String> cordoned, List<Effect> out) {
    waiting.evaluate(cordoned, out);
  }

  private void cancel(TicketEntry cancel, TicketEntry target, List<Effect> out) {
    String by = "cancelled by ticket " + cancel.id() + (cancel.ticket.requester().isEmpty() ? ""
        : " (" + cancel.ticket.requester() + ")");
    switch (target.state) {
      case WAITING, JOINED -> {
        boolean joined = target.state == State.JOINED;
        target.done("cancelled", by + (joined ? "; the run it joined goes on" : ""));
        out.add(new Effect.Record(target));
        out.add(new Effect.Emit("cancelled", target, data(target).put("reason", target.reason)));
        if (joined && target.keepsCordoned() && tickets.joinedTo(target.runId).stream().noneMatch(TicketEntry::keepsCordoned)) {
          // Its Hold made the run keep the node cordoned; with no other holder left the run ends as it would have.
          out.add(new Effect.Hold(target.runId, false));
        }
        finish(cancel, "completed", "ticket " + target.id() + " cancelled before its run", out);
      }
      case RUNNING -> {
        // Recorded: a run between two attempts (interrupted, or its leader gone) is not in an engine to hear it; its
        // resumption, here or on the next leader, does.
        target.cancelAsked = by;
        out.add(new Effect.Record(target));
        out.add(new Effect.Cancel(target.runId, by));
        finish(cancel, "completed", "run " + target.runId + " of ticket " + target.id()
            + " asked to stop at its next safe point", out);
      }
      case HOLDING -> finish(cancel, "failed", "ticket " + target.id() + " has run and holds node " + target.node()
          + ": end its hold with a release whose target is " + target.id(), out);
      case DONE -> finish(cancel, "failed", "ticket " + target.id() + " already ended (" + target.outcome + ")", out);
    }
  }

  /**
   * An engine event of a run the scheduler started: tells it to every ticket of the run, and when the run ends,
   * ends or holds them and looks at the waiting tickets again.
   */
  void onRunEvent(JsonObject event, Set<String> cordoned, List<Effect> out) {
    String runId = event.getString("run");
    TicketEntry leader = tickets.byRun(runId);
    if (leader == null) {
      return; // a run of someone else's (the CLI's, or before a restart)
    }
    List<TicketEntry> all = new ArrayList<>();
    all.add(leader);
    all.addAll(tickets.joinedTo(runId));
    String type = event.getString("type", "");
    switch (type) {
      case "takeover.run.started" -> out.add(new Effect.Emit("started", leader, event.copy()));
      case "takeover.run.finished" -> {
        if (runId.equals(waiting.cordoning())) {
          waiting.cordoning(null);
        }
        RunEnd.apply(all, event, out);
        evaluate(cordoned, out);
      }
      case "takeover.run.interrupted" -> {
        if (runId.equals(waiting.cordoning())) {
          waiting.cordoning(null);
        }
        leader.interruptions++;
        if (leader.interruptions > MAX_INTERRUPTIONS) {
          // Cut off again and again: something keeps this replica from its nodes' Leases; it ends, and says so.
          RunEnd.apply(all, event.copy().put("reason", event.getString("reason", "") + "; cut off from the node's "
              + "Lease " + leader.interruptions + " times, not resumed again"), out);
          evaluate(cordoned, out);
        } else {
          for (TicketEntry x : all) {
            out.add(new Effect.Emit("step", x, event.copy()));
          }
          // Still running in the state topic: resumed here after the pause if this replica still leads, else by the
          // next leader (a run is never recorded as ended while its node keeps its record).
          out.add(new Effect.Resume(runId));
          // Its turn at plan and cordon is free meanwhile: a waiting ticket may take it.
          evaluate(cordoned, out);
        }
      }
      default -> {
        String kind = type.startsWith("takeover.pod.") ? "pod" : "step";
        for (TicketEntry x : all) {
          out.add(new Effect.Emit(kind, x, event.copy()));
        }
        if ("takeover.step.started".equals(type)) {
          leader.step = event.getString("step");
          out.add(new Effect.Record(leader));
        } else if (Evictions.observe(leader, event)) {
          out.add(new Effect.Record(leader)); // recorded, so that a resumed run confirms it (see Evictions)
        }
        if ("takeover.step.finished".equals(type) && "cordon".equals(event.getString("step")) && runId.equals(waiting.cordoning())) {
          waiting.cordoning(null);
          evaluate(cordoned, out);
        }
      }
    }
  }

  /** A run the engine could not take (it never started): the ticket fails with why. */
  void startFailed(TicketEntry e, String why, Set<String> cordoned, List<Effect> out) {
    if (e.runId != null && e.runId.equals(waiting.cordoning())) {
      waiting.cordoning(null);
    }
    finish(e, "failed", why, out);
    evaluate(cordoned, out);
  }

  /** A resumed run whose node shows it ended before the restart: it is done, and says so. */
  void endedBeforeRestart(TicketEntry e, String why, Set<String> cordoned, List<Effect> out) {
    startFailed(e, why, cordoned, out);
  }
}
