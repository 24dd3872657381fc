package dev.takeover.engine.events;

import dev.takeover.logs.RunKeys;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Where the engine publishes its events: the Vert.x event bus address {@value #ADDRESS}, as JSON
 * ({@link EngineEvent#toJson()}). Publishing never fails a run: a subscriber's failure is its own.
 */
public final class EventStream {
  public static final String ADDRESS = "takeover.events";
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

  private final Vertx vertx;

  public EventStream(Vertx vertx) {
    this.vertx = vertx;
  }

  public void publish(EngineEvent event) {
    JsonObject json = event.toJson();
    if (LOG.isDebugEnabled()) {
      event.run().keys().during(() -> LOG.debug("{} {}", event.run(), json.encode()));
    }
    vertx.eventBus().publish(ADDRESS, json);
  }

  /** Subscribes to every event; the returned consumer is unregistered to stop. */
  public MessageConsumer<JsonObject> subscribe(Consumer<JsonObject> subscriber) {
    // Whatever the subscriber logs while it handles a run's event is a line of that run.
    return vertx.eventBus().<JsonObject>consumer(ADDRESS, msg -> RunKeys.of(msg.body()).during(() -> {
      try {
        subscriber.accept(msg.body());
      } catch (RuntimeException e) {
        LOG.warn("event subscriber failed on {}: {}", msg.body().getString("type"), e.toString());
      }
    }));
  }
}
