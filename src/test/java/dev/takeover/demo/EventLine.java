package dev.takeover.demo;

import dev.takeover.subscribers.TicketLines;
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One CloudEvent of the events topic as one line of the demo: when (seconds since the demo's reader started), the
 * type, the ticket, the node (the subject) and what the data says ({@link TicketLines}).
 */
final class EventLine {
  private EventLine() {}

  static String of(CloudEvent e, double seconds) {
    String type = e.getType().substring(e.getType().lastIndexOf('.') + 1);
    JsonObject d = e.getData() == null ? new JsonObject()
        : new JsonObject(new String(e.getData().toBytes(), StandardCharsets.UTF_8));
    return String.format(Locale.ROOT, "  %+6.1f s  %-10s %-9s %-12s %s", seconds, type, d.getString("ticket", ""),
        e.getSubject() == null ? "" : e.getSubject(), TicketLines.what(type, d));
  }
}
