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
 * @param run    the id of the ticket's run (its own, or the one it joined) when it has one, else null: for the log
 *               lines about the event, not part of the CloudEvent
 */
public record TicketEvent(String type, String ticket, String node, Instant time, JsonObject data, String run) {
  public static final String ADDRESS = "takeover.ticket.events";

  /** An event of a ticket without a run (yet). */
  public TicketEvent(String type, String ticket, String node, Instant time, JsonObject data) {
    this(type, ticket, node, time, data, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type).put("ticket", ticket).put("node", node)
        .put("time", time.toString()).put("data", data);
    return run == null ? json : json.put("run", run);
  }

  public static TicketEvent fromJson(JsonObject json) {
    return new TicketEvent(json.getString("type"), json.getString("ticket"), json.getString("node", ""),
        Instant.parse(json.getString("time")), json.getJsonObject("data", new JsonObject()), json.getString("run"));
  }

  /** The names its log lines carry. */
  public dev.takeover.logs.RunKeys keys() {
    return new dev.takeover.logs.RunKeys(ticket, run, node);
  }
}
