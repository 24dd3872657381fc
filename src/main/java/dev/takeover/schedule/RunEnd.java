package dev.takeover.schedule;

import dev.takeover.schedule.TicketEntry.State;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import java.util.List;

import static dev.takeover.schedule.TicketTable.data;

/**
 * The end of a run, told to every ticket of it: the one that started it and those that joined. A ticket that keeps
 * the node cordoned holds it after a run that succeeded; a joined ticket whose run was cancelled by someone else's
 * cancel waits for a run of its own; every other ticket ends as the run did.
 */
final class RunEnd {
  private RunEnd() {}

  /** {@code event} is the engine's {@code takeover.run.finished}. */
  static void apply(List<TicketEntry> all, JsonObject event, List<Effect> out) {
    String status = event.getString("status", "failed");
    boolean cordonedAfter = "cordoned".equals(event.getString("nodeLeft"));
    String how = switch (status) {
      case "succeeded", "planned" -> "completed";
      case "cancelled" -> "cancelled";
      default -> "failed";
    };
    for (TicketEntry x : all) {
      if ("cancelled".equals(how) && x.state == State.JOINED) {
        // The cancel was of the run's own ticket, not of this requester's: it waits for a maintenance of its own.
        x.state = State.WAITING;
        x.runId = null;
        x.joined = null;
        x.waitingFor = null;
        out.add(new Effect.Record(x));
        out.add(new Effect.Emit("scheduled", x, data(x).put("reason", "the run it joined was cancelled ("
            + event.getString("reason", "") + "); it waits for a run of its own")));
        continue;
      }
      if ("completed".equals(how) && cordonedAfter && x.keepsCordoned() && x.ticket.kind() != Ticket.Kind.PLAN
          && x.ticket.kind() != Ticket.Kind.RELEASE) {
        x.state = State.HOLDING;
        x.outcome = how;
        x.reason = event.getString("reason", "");
        out.add(new Effect.Record(x));
        // Its work is done (drained, confirmed) and it holds the node: a release ends the hold with "released".
        out.add(new Effect.Emit(how, x, event.copy().put("held", true)));
      } else {
        x.done(how, event.getString("reason", ""));
        out.add(new Effect.Record(x));
        out.add(new Effect.Emit(how, x, event.copy()));
      }
    }
  }
}
