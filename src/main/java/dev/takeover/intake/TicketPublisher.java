package dev.takeover.intake;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts a ticket of another input (HTTP, Slack, Alertmanager) on the tickets topic, as any producer would: key = the
 * node, value = the ticket's JSON, and a header {@value #SOURCE} saying where it came from. No input starts a run
 * itself: the ticket goes through the same durable log and the same intake, so windows, duplicates, limits and
 * restarts behave the same whatever its source. Completes once the broker has it (acks=all).
 */
public final class TicketPublisher {
  /** Header naming the input a ticket came from; read back by the intake into {@code Ticket.source}. */
  public static final String SOURCE = "takeover.source";
  private static final Set<String> SOURCES = Set.of("http", "slack", "alertmanager", "dead-nodes");

  /** Made on a worker: a Kafka client resolves its bootstrap addresses when it is built, which may wait on DNS. */
  private final Future<KafkaProducer<String, byte[]>> producer;
  private final String topic;

  public TicketPublisher(Vertx vertx, DaemonConfig config) {
    // An answer within the HTTP route's patience (Slack's 3 s is kept by answering first).
    Map<String, String> props = config.kafka().durableProducer(ByteArraySerializer.class, Duration.ofSeconds(20));
    this.producer = vertx.executeBlocking(() -> KafkaProducer.create(vertx, props));
    this.topic = config.kafka().topics().tickets();
  }

  /** Completes when the ticket is on the topic; fails when the broker did not take it in time. */
  public Future<Void> publish(String node, byte[] ticketJson, String source) {
    KafkaProducerRecord<String, byte[]> record = KafkaProducerRecord.create(topic, node, ticketJson);
    record.addHeader(SOURCE, source);
    return producer.compose(p -> p.send(record)).mapEmpty();
  }

  public Future<Void> close() {
    return producer.transform(ar -> ar.succeeded() ? ar.result().close() : Future.succeededFuture());
  }

  /** The source a ticket record says it came from: {@code kafka} unless it carries a known {@value #SOURCE}. */
  static String sourceOf(List<io.vertx.kafka.client.producer.KafkaHeader> headers) {
    for (KafkaHeader h : headers) {
      if (SOURCE.equals(h.key()) && h.value() != null) {
        String s = h.value().toString(StandardCharsets.UTF_8);
        if (SOURCES.contains(s)) {
          return s;
        }
      }
    }
    return "kafka";
  }
}
