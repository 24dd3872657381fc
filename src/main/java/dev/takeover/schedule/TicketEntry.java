package dev.takeover.schedule;

import dev.takeover.engine.EvictedEarlier;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One ticket as the scheduler keeps it, and as it is recorded in the compacted state topic (key = ticket id):
 * enough to rebuild the schedule after a restart and to resume a run where it was.
 */
final class TicketEntry {
  /** Where a ticket is in its life. */
  enum State {
    /** Accepted; waits for its window, its turn on the node, or the limits. */
    WAITING,
    /** Its run is in progress ({@link #runId}). */
    RUNNING,
    /** It joined the run of another ticket on the same node ({@link #joined}), and ends with it. */
    JOINED,
    /** Its run ended with the node kept cordoned for it: the node stays in maintenance until it is released. */
    HOLDING,
    /** Ended: {@link #outcome} says how. */
    DONE
  }

  final Ticket ticket;
  final String fingerprint;
  /** Acceptance order: tickets of one node run in this order. */
  final long seq;
  final Instant accepted;
  /** When it was last recorded: an ended ticket is forgotten {@code tickets.retention} after this. */
  Instant updated;
  /** The ticket record it came from ({@code topic-partition@offset}): a redelivery of it is no duplicate. */
  final String from;
  State state = State.WAITING;
  String runId;
  /** The last step its run started: a restarted daemon uses it to tell a run cut off from one that ended. */
  String step;
  /** The ticket whose run it joined. */
  String joined;
  /** completed, failed, cancelled or expired, once DONE. */
  String outcome;
  String reason = "";
  /** The last reason it was reported waiting for, so that each reason is told once. */
  transient String waitingFor;
  /** How often its run was interrupted and resumed here (not recorded: a new leader starts counting anew). */
  transient int interruptions;
  /**
   * Why its run was asked to stop, once a cancel came for it while it ran, else null. Recorded: a run between two
   * attempts (interrupted, or its leader gone) is not in an engine to hear it, so its resumption is told instead.
   */
  String cancelAsked;
  /** StatefulSet pods its run evicted: a resumed run must confirm them, as the node no longer shows them. */
  final List<EvictedEarlier> evicted = new ArrayList<>();
  /** Its run's last plan: the pods the confirm step waits for, by key (only an evicted one of these is kept). */
  transient Map<String, EvictedEarlier> planned = Map.of();

  TicketEntry(Ticket ticket, String fingerprint, long seq, Instant accepted, String from) {
    this.ticket = ticket;
    this.fingerprint = fingerprint;
    this.seq = seq;
    this.accepted = accepted;
    this.updated = accepted;
    this.from = from;
  }

  String id() {
    return ticket.id();
  }

  String node() {
    return ticket.node();
  }

  /** True when, its run done, the node stays cordoned for it (a drain, or keepCordoned). */
  boolean keepsCordoned() {
    return ticket.effectiveOptions().keepCordoned();
  }

  boolean active() {
    return state == State.RUNNING || state == State.JOINED || state == State.HOLDING;
  }

  void done(String how, String why) {
    state = State.DONE;
    outcome = how;
    reason = why == null ? "" : why;
  }

  JsonObject toJson(Function<Ticket, JsonObject> tickets, Instant now) {
    JsonObject json = new JsonObject().put("ticket", tickets.apply(ticket)).put("fingerprint", fingerprint).put("seq", seq)
        .put("accepted", accepted.toString()).put("from", from).put("state", state.name().toLowerCase(java.util.Locale.ROOT))
        .put("runId", runId).put("step", step).put("joined", joined).put("outcome", outcome).put("reason", reason)
        .put("evicted", new JsonArray(evicted.stream().map(EvictedEarlier::toJson).toList()))
        .put("updated", now.toString());
    if (cancelAsked != null) {
      json.put("cancelAsked", cancelAsked);
    }
    return json;
  }

  static TicketEntry fromJson(JsonObject j, Function<JsonObject, Ticket> tickets) {
    TicketEntry e = new TicketEntry(tickets.apply(j.getJsonObject("ticket")), j.getString("fingerprint"),
        j.getLong("seq", 0L), Instant.parse(j.getString("accepted")), j.getString("from"));
    e.state = State.valueOf(j.getString("state", "waiting").toUpperCase(java.util.Locale.ROOT));
    e.runId = j.getString("runId");
    e.step = j.getString("step");
    e.joined = j.getString("joined");
    e.outcome = j.getString("outcome");
    e.reason = j.getString("reason", "");
    e.cancelAsked = j.getString("cancelAsked");
    e.updated = Instant.parse(j.getString("updated", j.getString("accepted")));
    e.evicted.addAll(EvictedEarlier.listOf(j.getJsonArray("evicted"))); // absent in records of older versions
    return e;
  }
}
