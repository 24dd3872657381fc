package dev.takeover.subscribers;

import dev.takeover.logs.RunKeys;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's log of every ticket, as it happens: one INFO line per ticket event (accepted, each step with its
 * duration, each pod, the end), naming the ticket and the node, so {@code kubectl logs} tells a run's story
 * without a Kafka client. A subscriber of the event bus like the others; the engine knows nothing of it.
 */
public final class TicketLog extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger("dev.takeover.tickets");

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(TicketEvent.ADDRESS, m -> RunKeys.of(m.body()).during(() -> {
      try {
        TicketEvent e = TicketEvent.fromJson(m.body());
        String line = TicketLines.what(e.type(), e.data());
        // A failed run is the daemon's news; a rejected record is its producer's mistake (told in the dead letters).
        if ("failed".equals(e.type())) {
          LOG.warn("{} {} {}: {}", e.ticket(), e.node(), e.type(), line);
        } else {
          LOG.info("{} {} {}: {}", e.ticket(), e.node(), e.type(), line);
        }
      } catch (RuntimeException ex) {
        LOG.warn("a ticket event could not be logged: {}", ex.toString());
      }
    })).completion();
  }
}
