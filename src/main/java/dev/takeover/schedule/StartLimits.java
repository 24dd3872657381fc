package dev.takeover.schedule;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Why a new maintenance may not start now, asked by {@link Schedule} of a takeover or drain that nothing else holds:
 * plan and cordon go one run at a time, at most {@code maxNodesInMaintenance} nodes at once, and last the gate (the
 * Prometheus alerts of {@code gate}), asked only of a run that would otherwise start.
 */
final class StartLimits {
  private final int maxNodesInMaintenance;
  /** Why the gate holds new runs now, or null; the gate asks Prometheus itself when its answer is too old. */
  private Supplier<String> gate = () -> null;

  StartLimits(int maxNodesInMaintenance) {
    this.maxNodesInMaintenance = maxNodesInMaintenance;
  }

  void gate(Supplier<String> gate) {
    this.gate = gate;
  }

  /** The reason, or null. {@code cordoning} is the run between its start and the end of its cordon step. */
  String why(TicketEntry e, Set<String> cordoned, TicketTable tickets, String cordoning) {
    if (cordoning != null) {
      TicketEntry other = tickets.byRun(cordoning);
      return "plan and cordon go one run at a time: waiting for " + (other == null ? cordoning
          : "ticket " + other.id() + " on " + other.node());
    }
    Set<String> inMaintenance = tickets.inMaintenance(cordoned);
    inMaintenance.remove(e.node());
    if (inMaintenance.size() + 1 > maxNodesInMaintenance) {
      return inMaintenance.size() + " node(s) in maintenance already (" + String.join(", ", inMaintenance)
          + "), at most " + maxNodesInMaintenance + " at once";
    }
    return gate.get();
  }

  /**
   * Why a recovery may not start now, or null: at most {@code maxNodesInMaintenance} recoveries at once (issue 14's
   * guard). Counted from the tickets alone, which change only here: no cordon to wait for, no race to lock out.
   */
  String whyNotRecover(TicketEntry e, TicketTable tickets) {
    java.util.List<String> recovering = tickets.recovering().stream().filter(n -> !n.equals(e.node())).toList();
    if (recovering.size() + 1 > maxNodesInMaintenance) {
      return recovering.size() + " recovery(ies) in progress already (" + String.join(", ", recovering) + "), at most "
          + maxNodesInMaintenance + " at once (engine.maxNodesInMaintenance)";
    }
    return null;
  }
}
