package dev.takeover.schedule;

import dev.takeover.intake.TicketJson;
import dev.takeover.ticket.Ticket;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Tickets as the daemon stores them (state topic) and passes them between verticles: the canonical JSON of
 * {@link TicketJson}, read back without the checks that depend on when it is read (a window that has ended since
 * is not a reason to forget a ticket).
 */
public final class StoredTickets {
  private static final TicketJson JSON = new TicketJson(Integer.MAX_VALUE);

  private StoredTickets() {}

  public static JsonObject toJson(Ticket t) {
    return TicketJson.toJson(t);
  }

  /** @throws IllegalArgumentException if the JSON is not a ticket (only a bug, or a foreign writer, makes one) */
  public static Ticket fromJson(JsonObject json) {
    TicketJson.Result r = JSON.parse(json.encode().getBytes(StandardCharsets.UTF_8), null,
        json.getString("source", "unknown"), Instant.EPOCH);
    if (r instanceof TicketJson.Valid v) {
      return v.ticket();
    }
    throw new IllegalArgumentException("not a stored ticket: " + ((TicketJson.Invalid) r).rejection().reason());
  }
}
