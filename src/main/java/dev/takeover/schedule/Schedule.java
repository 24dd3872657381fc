package dev.takeover.schedule;

import dev.takeover.schedule.TicketEntry.State;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import static dev.takeover.schedule.TicketTable.data;
import static dev.takeover.schedule.TicketTable.holders;
import static dev.takeover.schedule.TicketTable.state;
import static dev.takeover.schedule.TicketTable.str;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

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
  private final StartLimits limits;
  private final Clock clock;
  private final TicketTable tickets = new TicketTable();
  /** The run between its start and the end of its cordon step: the next run waits for it. */
  private String cordoning;

  Schedule(int maxNodesInMaintenance, Clock clock) {
    this.limits = new StartLimits(maxNodesInMaintenance);
    this.clock = clock;
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
      if (e.ticket.kind() != Ticket.Kind.PLAN && e.ticket.kind() != Ticket.Kind.RELEASE
          && e.ticket.kind() != Ticket.Kind.RECOVER
          && (e.step == null || "plan".equals(e.step) || "cordon".equals(e.step))) {
        cordoning = e.runId;
      }
      out.add(new Effect.Start(e, true));
      // The engine's hold lived in the old process: a joined requester that keeps the node cordoned tells it again.
      if (tickets.joinedTo(e.runId).stream().anyMatch(TicketEntry::keepsCordoned)) {
        out.add(new Effect.Hold(e.runId, true));
      }
    }
    return out;
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
    evaluate(Set.of(), out);
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
        out.add(new Effect.Cancel(target.runId, by));
        finish(cancel, "completed", "run " + target.runId + " of ticket " + target.id()
            + " asked to stop at its next safe point", out);
      }
      case HOLDING -> finish(cancel, "failed", "ticket " + target.id() + " has run and holds node " + target.node()
          + ": end its hold with a release whose target is " + target.id(), out);
      case DONE -> finish(cancel, "failed", "ticket " + target.id() + " already ended (" + target.outcome + ")", out);
    }
  }

  private void finish(TicketEntry e, String how, String why, List<Effect> out) {
    e.done(how, why);
    out.add(new Effect.Record(e));
    out.add(new Effect.Emit(how, e, data(e).put("reason", why)));
  }

  /**
   * Looks at every waiting ticket: expires, starts, joins or leaves each waiting (told once per reason).
   * {@code cordoned} names the nodes cordoned in the cluster (by anyone) as last seen.
   */
  void evaluate(Set<String> cordoned, List<Effect> out) {
    Instant now = clock.instant();
    Set<String> nodesAhead = new TreeSet<>();
    for (TicketEntry e : tickets.sorted(State.WAITING)) {
      Ticket t = e.ticket;
      boolean ahead = nodesAhead.contains(e.node());
      nodesAhead.add(e.node());
      if (t.window() != null && t.window().over(now)) {
        finish(e, "expired", "its window ended at " + t.window().end() + " before it could start"
            + (e.waitingFor == null ? "" : " (" + e.waitingFor + ")"), out);
        continue;
      }
      if (t.window() != null && !t.window().opened(now)) {
        waiting(e, "its window opens at " + t.window().start(), out);
        continue;
      }
      if (ahead) {
        waiting(e, "an earlier ticket for " + e.node() + " goes first", out);
        continue;
      }
      TicketEntry run = tickets.leader(e.node());
      switch (t.kind()) {
        case PLAN -> {
          // Tickets of one node run in order: a plan started beside a run would be refused by the engine.
          if (run != null) {
            waiting(e, "run " + run.runId + " of ticket " + run.id() + " on " + e.node() + " goes first", out);
          } else {
            start(e, out);
          }
        }
        case RELEASE -> {
          if (run != null) {
            waiting(e, "run " + run.runId + " of ticket " + run.id() + " on " + e.node() + " goes first", out);
          } else {
            release(e, out);
          }
        }
        case TAKEOVER, DRAIN -> {
          List<TicketEntry> holds = tickets.holding(e.node());
          if (run != null && run.ticket.kind() == Ticket.Kind.RELEASE) {
            waiting(e, "the release of " + e.node() + " by ticket " + run.id() + " goes first", out);
          } else if (run != null && run.ticket.kind() == Ticket.Kind.RECOVER) {
            waiting(e, "the recovery of " + e.node() + " by ticket " + run.id() + " goes first", out);
          } else if (run != null) {
            join(e, run, out);
          } else if (!holds.isEmpty()) {
            joinHeld(e, holds, out);
          } else {
            String blocked = limits.why(e, cordoned, tickets, cordoning);
            if (blocked != null) {
              waiting(e, blocked, out);
            } else {
              start(e, out);
            }
          }
        }
        case RECOVER -> {
          // Not joined to a maintenance (a recovery is not a drain), not held by the gate (the alert firing is
          // likely about this very node), and counted against the other recoveries only.
          String blocked = run != null ? "run " + run.runId + " of ticket " + run.id() + " on " + e.node() + " goes first"
              : limits.whyNotRecover(e, tickets);
          if (blocked != null) {
            waiting(e, blocked, out);
          } else {
            start(e, out);
          }
        }
                case CANCEL -> finish(e, "failed", "a cancel is done when it is accepted", out);
      }
    }
  }

  private void waiting(TicketEntry e, String why, List<Effect> out) {
    if (!why.equals(e.waitingFor)) {
      e.waitingFor = why;
      out.add(new Effect.Emit("scheduled", e, data(e).put("reason", why)
          .put("window", e.ticket.window() == null ? null : new JsonObject()
              .put("start", str(e.ticket.window().start())).put("end", str(e.ticket.window().end())))));
    }
  }

  private void start(TicketEntry e, List<Effect> out) {
    e.state = State.RUNNING;
    e.runId = "run-" + UUID.randomUUID().toString().substring(0, 8);
    e.step = null;
    // A recovery writes no cordon: it does not take the plan-and-cordon turn of the maintenance limit.
    boolean changes = e.ticket.kind() != Ticket.Kind.PLAN && e.ticket.kind() != Ticket.Kind.RECOVER
        && !e.ticket.effectiveOptions().dryRun();
    if (changes) {
      cordoning = e.runId;
    }
    out.add(new Effect.Record(e));
    out.add(new Effect.Start(e, false));
  }

  private void join(TicketEntry e, TicketEntry run, List<Effect> out) {
    e.state = State.JOINED;
    e.joined = run.id();
    e.runId = run.runId;
    out.add(new Effect.Record(e));
    out.add(new Effect.Emit("joined", e, data(e).put("joined", run.id()).put("runId", run.runId)
        .put("reason", "node " + e.node() + " is already under maintenance by ticket " + run.id())));
    if (e.keepsCordoned()) {
      out.add(new Effect.Hold(run.runId, true));
    }
  }

  private void joinHeld(TicketEntry e, List<TicketEntry> holds, List<Effect> out) {
    String holders = holders(holds);
    out.add(new Effect.Emit("joined", e, data(e).put("joined", holds.get(0).id())
        .put("reason", "node " + e.node() + " is already cordoned and drained, held by " + holders)));
    if (e.keepsCordoned()) {
      e.state = State.HOLDING;
      e.outcome = "completed";
      e.reason = "joined the maintenance held by " + holders;
      out.add(new Effect.Record(e));
      out.add(new Effect.Emit("completed", e, data(e).put("reason", e.reason).put("nodeLeft", "cordoned")
          .put("held", true)));
    } else {
      finish(e, "completed", "node " + e.node() + " is already drained and held by " + holders
          + "; it stays cordoned until they release it", out);
    }
  }

  /** A release: ends the holds it names (its target, else its requester's); the last one uncordons. */
  private void release(TicketEntry e, List<Effect> out) {
    List<TicketEntry> holds = tickets.holding(e.node());
    if (holds.isEmpty()) {
      start(e, out); // the engine uncordons only a node Takeover cordoned (a CLI run's hold, say)
      return;
    }
    List<TicketEntry> ended = holds.stream().filter(h -> e.ticket.target() != null ? h.id().equals(e.ticket.target())
        : h.ticket.requester().equals(e.ticket.requester())).toList();
    if (ended.isEmpty()) {
      finish(e, "failed", "node " + e.node() + " is held by " + holders(holds) + "; name the ticket to release in"
          + " target, or release as its requester", out);
      return;
    }
    for (TicketEntry h : ended) {
      // Its second and last completed: the first said it holds the node ("held"), this one that the hold is over.
      h.done("completed", "released by ticket " + e.id());
      out.add(new Effect.Record(h));
      out.add(new Effect.Emit("completed", h, data(h).put("reason", h.reason).put("released", true)
          .put("releasedBy", e.id())));
    }
    List<TicketEntry> left = tickets.holding(e.node());
    if (!left.isEmpty()) {
      finish(e, "completed", "released " + ended.stream().map(TicketEntry::id).collect(Collectors.joining(", "))
          + "; node " + e.node() + " stays cordoned, still held by " + holders(left), out);
    } else {
      start(e, out);
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
        if (runId.equals(cordoning)) {
          cordoning = null;
        }
        RunEnd.apply(all, event, out);
        evaluate(cordoned, out);
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
        if ("takeover.step.finished".equals(type) && "cordon".equals(event.getString("step")) && runId.equals(cordoning)) {
          cordoning = null;
          evaluate(cordoned, out);
        }
      }
    }
  }

  /** A run the engine could not take (it never started): the ticket fails with why. */
  void startFailed(TicketEntry e, String why, Set<String> cordoned, List<Effect> out) {
    if (e.runId != null && e.runId.equals(cordoning)) {
      cordoning = null;
    }
    finish(e, "failed", why, out);
    evaluate(cordoned, out);
  }

  /** A resumed run whose node shows it ended before the restart: it is done, and says so. */
  void endedBeforeRestart(TicketEntry e, String why, Set<String> cordoned, List<Effect> out) {
    startFailed(e, why, cordoned, out);
  }
}
