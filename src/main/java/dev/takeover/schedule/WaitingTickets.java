package dev.takeover.schedule;

import dev.takeover.schedule.TicketEntry.State;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import static dev.takeover.schedule.TicketTable.data;
import static dev.takeover.schedule.TicketTable.holders;
import static dev.takeover.schedule.TicketTable.str;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The half of {@link Schedule} that looks at the waiting tickets: for each, in the order they were accepted,
 * whether it expires, keeps waiting (and why), starts, joins a maintenance in progress or ends a hold. It also keeps
 * the plan-and-cordon turn ({@link #cordoning()}): the one run that may be between its start and the end of its
 * cordon step, so that two runs cannot both pass the maintenance limit. Not thread-safe, like {@link Schedule}.
 */
final class WaitingTickets {
  private final TicketTable tickets;
  private final StartLimits limits;
  private final Clock clock;
  /** The run between its start and the end of its cordon step: the next run waits for it. */
  private String cordoning;

  WaitingTickets(TicketTable tickets, StartLimits limits, Clock clock) {
    this.tickets = tickets;
    this.limits = limits;
    this.clock = clock;
  }

  /** The run that has the plan-and-cordon turn, or null. */
  String cordoning() {
    return cordoning;
  }

  void cordoning(String runId) {
    cordoning = runId;
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

  /**
   * Whether a run of this ticket takes the plan-and-cordon turn of the maintenance limit: one that writes to the
   * node (a plan, a dry run and a recovery, which writes no cordon, do not).
   */
  static boolean takesTurn(Ticket t) {
    return t.kind() != Ticket.Kind.PLAN && t.kind() != Ticket.Kind.RECOVER && !t.effectiveOptions().dryRun();
  }

  private void start(TicketEntry e, List<Effect> out) {
    e.state = State.RUNNING;
    e.runId = "run-" + UUID.randomUUID().toString().substring(0, 8);
    e.step = null;
    if (takesTurn(e.ticket)) {
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

  /** Ends {@code e} ({@code how}: completed, failed, cancelled, expired) and says why. */
  static void finish(TicketEntry e, String how, String why, List<Effect> out) {
    e.done(how, why);
    out.add(new Effect.Record(e));
    out.add(new Effect.Emit(how, e, data(e).put("reason", why)));
  }
}
