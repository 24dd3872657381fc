package dev.takeover.ticket;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * What happened to a ticket, as the scheduler tells it on the event bus address {@value #ADDRESS}; the CloudEvents
 * publisher turns each into one CloudEvent of type {@code dev.takeover.ticket.<type>}, keyed by the ticket id.
 *
 * @param type   accepted, rejected, duplicate, scheduled, joined, started, step, pod, completed, failed, cancelled
 *               or expired
 * @param ticket the ticket's id (for a record that is not even JSON, a made-up id naming the topic and offset)
 * @param node   the node (the CloudEvent's subject); may be empty for a record that named none
 * @param time   when it happened
 * @param data   the ticket id again, the step, per-pod details, the reason: whatever the type carries
 */
public record TicketEvent(String type, String ticket, String node, Instant time, JsonObject data) {
  public static final String ADDRESS = "takeover.ticket.events";

  public JsonObject toJson() {
    return new JsonObject().put("type", type).put("ticket", ticket).put("node", node).put("time", time.toString())
        .put("data", data);
  }

  public static TicketEvent fromJson(JsonObject json) {
    return new TicketEvent(json.getString("type"), json.getString("ticket"), json.getString("node", ""),
        Instant.parse(json.getString("time")), json.getJsonObject("data", new JsonObject()));
  }
}
