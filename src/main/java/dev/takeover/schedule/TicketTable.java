package dev.takeover.schedule;

import dev.takeover.schedule.TicketEntry.State;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every ticket the scheduler has seen, by id, with the questions its decisions ask of them (which run is on a node,
 * who joined it, who holds it) and the data every ticket event starts with.
 */
final class TicketTable {
  private final Map<String, TicketEntry> tickets = new LinkedHashMap<>();
  private long seq;

  TicketEntry get(String id) {
    return tickets.get(id);
  }

  int size() {
    return tickets.size();
  }

  /** The next number in the order of acceptance. */
  long next() {
    return ++seq;
  }

  void put(TicketEntry e) {
    tickets.put(e.id(), e);
    seq = Math.max(seq, e.seq);
  }

  /**
   * Forgets the tickets that ended (state DONE) before {@code before}: the table, and the state topic it is rebuilt
   * from, would otherwise grow for as long as the daemon lives, and every decision scans it. Returns their ids.
   */
  List<String> forget(Instant before) {
    List<String> gone = tickets.values().stream()
        .filter(x -> x.state == State.DONE && x.updated.isBefore(before)).map(TicketEntry::id).toList();
    gone.forEach(tickets::remove);
    return gone;
  }

  Iterable<TicketEntry> all() {
    return tickets.values();
  }

  /** The nodes in maintenance: cordoned in the cluster (by anyone), or with a run or hold of a ticket here. */
  java.util.Set<String> inMaintenance(java.util.Set<String> cordoned) {
    java.util.Set<String> nodes = new java.util.TreeSet<>(cordoned);
    for (TicketEntry x : tickets.values()) {
      if (x.active() && x.ticket.kind() != Ticket.Kind.PLAN && x.ticket.kind() != Ticket.Kind.RELEASE) {
        nodes.add(x.node());
      }
    }
    return nodes;
  }

  /** The nodes with a recovery running, sorted. */
  java.util.List<String> recovering() {
    return tickets.values().stream().filter(x -> x.state == State.RUNNING && x.ticket.kind() == Ticket.Kind.RECOVER)
        .map(TicketEntry::node).sorted().toList();
  }

  TicketEntry byRun(String runId) {
    if (runId == null) {
      return null;
    }
    for (TicketEntry x : tickets.values()) {
      if (x.state == State.RUNNING && runId.equals(x.runId)) {
        return x;
      }
    }
    return null;
  }

  TicketEntry leader(String node) {
    return tickets.values().stream().filter(x -> x.state == State.RUNNING && x.node().equals(node)
        && x.ticket.kind() != Ticket.Kind.PLAN).findFirst().orElse(null);
  }

  List<TicketEntry> joinedTo(String runId) {
    return tickets.values().stream().filter(x -> x.state == State.JOINED && runId != null && runId.equals(x.runId))
        .toList();
  }

  List<TicketEntry> holding(String node) {
    return tickets.values().stream().filter(x -> x.state == State.HOLDING && x.node().equals(node)).toList();
  }

  List<TicketEntry> sorted(State state) {
    return tickets.values().stream().filter(x -> x.state == state)
        .sorted(Comparator.comparingLong(x -> x.seq)).toList();
  }

  static String holders(List<TicketEntry> holds) {
    return holds.stream().map(h -> h.id() + (h.ticket.requester().isEmpty() ? "" : " (" + h.ticket.requester() + ")"))
        .collect(Collectors.joining(", "));
  }

  static JsonObject data(TicketEntry e) {
    return new JsonObject().put("ticket", e.id()).put("action", e.ticket.kind().label());
  }

  static String state(TicketEntry e) {
    return e.state == State.DONE ? e.outcome : e.state.name().toLowerCase(java.util.Locale.ROOT);
  }

  static String str(Instant i) {
    return i == null ? null : i.toString();
  }
}
