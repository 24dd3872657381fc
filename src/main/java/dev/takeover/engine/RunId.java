package dev.takeover.engine;

import dev.takeover.ticket.Ticket;

/**
 * Who a run is: carried by every event and log line so each can be traced to its ticket and node
 * (Strimzi's Reconciliation).
 */
public record RunId(String run, String ticket, String node, String source, String requester) {

  public static RunId of(String run, Ticket ticket) {
    return new RunId(run, ticket.id(), ticket.node(), ticket.source(), ticket.requester());
  }

  /** The run's names for the log lines about it (MDC). */
  public dev.takeover.logs.RunKeys keys() {
    return new dev.takeover.logs.RunKeys(ticket, run, node);
  }

  @Override
  public String toString() {
    return run + "(" + ticket + ") node " + node;
  }
}
