package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

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
    Map<String, String> props = new HashMap<>(config.kafka().properties());
    props.put("enable.auto.commit", "false");
    props.remove("group.id"); // read by assignment: nothing to commit, no group to join
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, props);
    String topic = config.kafka().topics().state();
    Map<String, JsonObject> state = new LinkedHashMap<>();
    return consumer.partitionsFor(topic).compose(infos -> {
      Set<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.getPartition()))
          .collect(Collectors.toSet());
      return consumer.assign(parts).compose(v -> consumer.seekToBeginning(parts))
          .compose(v -> consumer.endOffsets(parts))
          .compose(ends -> readTo(consumer, ends, state));
    }).map(v -> List.copyOf(state.values()))
        .eventually(consumer::close);
  }

  private Future<Void> readTo(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> ends,
                              Map<String, JsonObject> state) {
    Promise<Void> done = Promise.promise();
    Map<TopicPartition, Long> next = new HashMap<>();
    ends.keySet().forEach(tp -> next.put(tp, 0L));
    pollUntil(consumer, ends, next, state, done);
    return done.future();
  }

  private void pollUntil(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> ends,
                         Map<TopicPartition, Long> next, Map<String, JsonObject> state, Promise<Void> done) {
    boolean caughtUp = ends.entrySet().stream().allMatch(e -> next.get(e.getKey()) >= e.getValue());
    if (caughtUp) {
      done.complete();
      return;
    }
    consumer.poll(Duration.ofMillis(500)).onFailure(done::fail).onSuccess(records -> {
      for (int i = 0; i < records.size(); i++) {
        KafkaConsumerRecord<String, String> r = records.recordAt(i);
        next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        if (r.key() == null) {
          continue;
        }
        if (r.value() == null) {
          state.remove(r.key()); // a tombstone
        } else {
          try {
            state.put(r.key(), new JsonObject(r.value()));
          } catch (RuntimeException e) {
            // Only the daemon writes here; a record it cannot read is skipped, not fatal.
          }
        }
      }
      if (records.isEmpty()) {
        // Compaction or transaction markers can leave the end offset past the last record: ask where we are.
        Future.all(ends.keySet().stream().map(tp -> consumer.position(tp)
            .onSuccess(p -> next.put(tp, Math.max(next.get(tp), p)))).toList())
            .onComplete(ar -> pollUntil(consumer, ends, next, state, done));
      } else {
        pollUntil(consumer, ends, next, state, done);
      }
    });
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
