package dev.takeover.intake;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.ticket.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * The dead-letter topic: a rejected record goes there unchanged (key, value, headers) with two more headers,
 * {@value #ERROR} (a stable code) and {@value #REASON} (one human line), and {@value #FROM} naming where it was
 * read. A record the dead-letter topic itself refuses as too large goes without its value, with
 * {@value #DROPPED} giving its size, rather than blocking the partition. Completes only once the broker has it:
 * the intake commits the offset after that.
 */
final class DeadLetters {
  static final String ERROR = "takeover.error";
  static final String REASON = "takeover.reason";
  static final String FROM = "takeover.from";
  static final String DROPPED = "takeover.value-dropped";
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

  private final Vertx vertx;
  private final String topic;
  private final KafkaProducer<String, byte[]> producer;

  DeadLetters(Vertx vertx, DaemonConfig config) {
    this.vertx = vertx;
    this.topic = config.kafka().topics().deadLetters();
    // One dead letter at a time, each awaited before the next record: linger 0 (DaemonBenchmark, 2,000 bad
    // records: 53-100 records/s with Kafka 4's 5 ms linger, 156-208 without).
    Map<String, String> props = config.kafka().durableProducer(ByteArraySerializer.class, Duration.ofSeconds(30));
    props.putIfAbsent("max.request.size", String.valueOf(8 * 1024 * 1024));
    this.producer = KafkaProducer.create(vertx, props);
    // A failed send is handled where it was made (retried, warned); without a handler the stream would also report
    // it as an exception slipped out of a verticle: an ERROR per send during an outage.
    producer.exceptionHandler(e -> { });
  }

  /** Sends the record to the dead letters, retrying while the broker is away; never fails. */
  Future<Void> send(KafkaConsumerRecord<String, byte[]> r, Rejection why) {
    Promise<Void> done = Promise.promise();
    attempt(r, why, false, 0, done);
    return done.future();
  }

  private void attempt(KafkaConsumerRecord<String, byte[]> r, Rejection why, boolean dropValue, int n, Promise<Void> done) {
    KafkaProducerRecord<String, byte[]> out = KafkaProducerRecord.create(topic, r.key(), dropValue ? null : r.value());
    r.headers().forEach(out::addHeader);
    out.addHeader(ERROR, why.code()).addHeader(REASON, why.reason())
        .addHeader(FROM, r.topic() + "-" + r.partition() + "@" + r.offset());
    if (dropValue) {
      out.addHeader(DROPPED, String.valueOf(r.value() == null ? 0 : r.value().length));
    }
    producer.send(out).onSuccess(md -> done.complete()).onFailure(e -> {
      if (!dropValue && (e instanceof RecordTooLargeException || e.getCause() instanceof RecordTooLargeException)) {
        LOG.warn("record {}-{}@{} is too large for the dead-letter topic; it goes there without its value",
            r.topic(), r.partition(), r.offset());
        attempt(r, why, true, n, done);
        return;
      }
      if (n % 10 == 0) {
        LOG.warn("dead-letter topic unreachable (attempt {}): {}", n + 1, e.getMessage());
      }
      vertx.setTimer(Math.min(10_000L, 250L << Math.min(n, 6)), t -> attempt(r, why, dropValue, n + 1, done));
    });
  }

  Future<Void> close() {
    return producer.close();
  }
}
