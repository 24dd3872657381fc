package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Reads the compacted state topic from its beginning, by assignment: no consumer group to join or leave behind,
 * nothing committed. Each record goes to {@code onRecord} (key = ticket id, value null for a tombstone).
 * {@link #read} completes once every partition is read up to the end it had when reading began; when following,
 * reading goes on after that until {@link #close}.
 */
final class StateReader {
  private static final Logger LOG = LoggerFactory.getLogger(StateReader.class);

  private final Vertx vertx;
  private final KafkaConsumer<String, String> consumer;
  private final String topic;
  private final BiConsumer<String, String> onRecord;
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Promise<Void> caughtUp = Promise.promise();
  private Map<TopicPartition, Long> ends = Map.of();
  private boolean follow;
  private volatile boolean closed;

  StateReader(Vertx vertx, DaemonConfig config, BiConsumer<String, String> onRecord) {
    Map<String, String> props = new HashMap<>(config.kafka().properties());
    props.put("enable.auto.commit", "false");
    props.remove("group.id");
    // Committed records only: a write the broker aborted (a deposed leader's, fenced: see StateStore) never counts.
    props.put("isolation.level", "read_committed");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    this.vertx = vertx;
    this.consumer = KafkaConsumer.create(vertx, props);
    this.topic = config.kafka().topics().state();
    this.onRecord = onRecord;
  }

  /**
   * Starts reading; the returned future completes when the topic is read to its end as of now (it fails if the topic
   * cannot be assigned or a poll fails before that). With {@code follow}, later records keep coming to
   * {@code onRecord}; a failed poll then is retried a second later.
   */
  Future<Void> read(boolean follow) {
    this.follow = follow;
    consumer.partitionsFor(topic).compose(infos -> {
      Set<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.getPartition()))
          .collect(Collectors.toSet());
      parts.forEach(tp -> next.put(tp, 0L));
      return consumer.assign(parts).compose(v -> consumer.seekToBeginning(parts))
          .compose(v -> consumer.endOffsets(parts));
    }).onSuccess(e -> {
      ends = e;
      poll();
    }).onFailure(caughtUp::tryFail);
    return caughtUp.future();
  }

  /** Whether every partition has been read to the end it had when reading began. */
  boolean caughtUp() {
    return caughtUp.future().succeeded();
  }

  private void poll() {
    if (closed) {
      return;
    }
    if (!caughtUp.future().isComplete() && ends.entrySet().stream().allMatch(e -> next.get(e.getKey()) >= e.getValue())) {
      caughtUp.complete();
      if (!follow) {
        return;
      }
    }
    consumer.poll(Duration.ofMillis(500)).onFailure(e -> {
      if (closed) {
        return;
      }
      if (!caughtUp.tryFail(e)) {
        LOG.warn("reading the state topic: {}; again in a second", e.toString());
        vertx.setTimer(1_000, t -> poll());
      }
    }).onSuccess(records -> {
      if (closed) {
        return;
      }
      for (int i = 0; i < records.size(); i++) {
        KafkaConsumerRecord<String, String> r = records.recordAt(i);
        next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        if (r.key() != null) {
          onRecord.accept(r.key(), r.value());
        }
      }
      if (records.isEmpty() && !caughtUp.future().isComplete()) {
        // Compaction or transaction markers can leave the end offset past the last record: ask where we are.
        Future.all(ends.keySet().stream().map(tp -> consumer.position(tp)
            .onSuccess(p -> next.put(tp, Math.max(next.get(tp), p)))).toList())
            .onComplete(ar -> poll());
      } else {
        poll();
      }
    });
  }

  Future<Void> close() {
    closed = true;
    caughtUp.tryFail("closed");
    return consumer.close();
  }
}
