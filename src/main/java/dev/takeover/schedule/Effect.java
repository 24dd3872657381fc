package dev.takeover.schedule;

import io.vertx.core.json.JsonObject;

/** What a decision of the {@link Schedule} asks the scheduler verticle to do, in order. */
sealed interface Effect {
  /** Write the ticket's state to the state topic (awaited before the next effect). */
  record Record(TicketEntry entry) implements Effect {}

  /**
   * Tell the ticket's story: a {@code dev.takeover.ticket.<type>} event. {@code runId} is the entry's run when the
   * decision was made (an "accepted" told after the start was decided is still of a ticket without a run).
   */
  record Emit(String type, TicketEntry entry, JsonObject data, String runId) implements Effect {
    Emit(String type, TicketEntry entry, JsonObject data) {
      this(type, entry, data, entry.runId);
    }
  }

  /** Start (or resume) the entry's run on the engine, with its run id. */
  record Start(TicketEntry entry, boolean resumed) implements Effect {}

  /**
   * Resume an interrupted run after a pause (as long as a node's Lease), unless this scheduler stops meanwhile or the
   * ticket no longer runs it: a cut that cost the node's Lease soon costs a leader its leadership too, and then the
   * next leader resumes it, not this one.
   */
  record Resume(String runId) implements Effect {}

  /** Ask a run to stop at its next safe point. */
  record Cancel(String runId, String why) implements Effect {}

  /** Tell a run that another requester keeps the node cordoned ({@code held}), or no longer does. */
  record Hold(String runId, boolean held) implements Effect {}
}
