package dev.takeover.http;

import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recent events of each ticket, as this process published them, for {@code GET /api/v1/tickets/{id}}. Bounded
 * (the last {@value #PER_TICKET} events of the last {@value #TICKETS} tickets heard of): the events topic is the
 * full record, this is a view for a human asking "where is my ticket".
 */
final class TicketHistory {
  static final int TICKETS = 1000;
  static final int PER_TICKET = 200;

  private final Map<String, Deque<JsonObject>> byTicket = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Deque<JsonObject>> eldest) {
      return size() > TICKETS;
    }
  };
  private final MessageConsumer<JsonObject> consumer;

  TicketHistory(Vertx vertx) {
    consumer = vertx.eventBus().consumer(TicketEvent.ADDRESS, m -> add(m.body()));
  }

  private void add(JsonObject event) {
    String ticket = event.getString("ticket");
    if (ticket == null) {
      return;
    }
    Deque<JsonObject> events = byTicket.computeIfAbsent(ticket, k -> new ArrayDeque<>());
    events.addLast(new JsonObject().put("type", event.getString("type")).put("time", event.getString("time"))
        .put("data", event.getJsonObject("data")));
    if (events.size() > PER_TICKET) {
      events.removeFirst();
    }
  }

  JsonArray of(String ticket) {
    Deque<JsonObject> events = byTicket.get(ticket);
    return events == null ? new JsonArray() : new JsonArray(java.util.List.copyOf(events));
  }

  void close() {
    consumer.unregister();
  }
}
