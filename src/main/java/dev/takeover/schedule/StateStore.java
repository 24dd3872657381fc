package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's durable memory: the compacted state topic, one record per ticket id holding the ticket and where
 * it is. {@link #load()} reads it to its end at start; {@link #write} completes once the broker has the record on
 * every in-sync replica (acks=all, idempotent, so records of one ticket never swap).
 */
final class StateStore {
  private final Vertx vertx;
  private final DaemonConfig config;
  private KafkaProducer<String, String> producer;

  StateStore(Vertx vertx, DaemonConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Every ticket's last state, in the order they were first recorded (by key). */
  Future<List<JsonObject>> load() {
    Map<String, JsonObject> state = new LinkedHashMap<>();
    StateReader reader = new StateReader(vertx, config, (id, value) -> put(state, id, value));
    return reader.read(false).map(v -> List.copyOf(state.values())).eventually(reader::close);
  }

  /** One record read back: a ticket's state replaces the last one, a tombstone removes it. */
  static void put(Map<String, JsonObject> state, String id, String value) {
    if (value == null) {
      state.remove(id);
      return;
    }
    try {
      state.put(id, new JsonObject(value));
    } catch (RuntimeException e) {
      // Only the daemon writes here; a record it cannot read is skipped, not fatal.
    }
  }

  /** Records a ticket's state (null: a tombstone); completes when the broker has it durably. */
  Future<Void> write(String ticketId, JsonObject value) {
    if (producer == null) {
      // The scheduler awaits each record before its next effect (answer, start, next record).
      Map<String, String> props = config.kafka().durableProducer(StringSerializer.class, Duration.ofSeconds(30));
      producer = KafkaProducer.create(vertx, props);
      // A failed write is handled where it was made (the scheduler retries it and warns); without a handler the
      // stream would also report it as an exception slipped out of a verticle: an ERROR per write during an outage.
      producer.exceptionHandler(e -> { });
    }
    return producer.send(KafkaProducerRecord.create(config.kafka().topics().state(), ticketId,
        value == null ? null : value.encode())).mapEmpty();
  }

  /** Tombstones a ticket's state: compaction then drops it from the topic, and the next start never reads it. */
  Future<Void> forget(String ticketId) {
    return write(ticketId, null);
  }

  Future<Void> close() {
    return producer == null ? Future.succeededFuture() : producer.close();
  }
}
