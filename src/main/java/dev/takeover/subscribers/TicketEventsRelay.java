package dev.takeover.subscribers;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * On a follower: the leader's ticket events, read back from the events topic and told on this process's bus
 * ({@value TicketEvent#ADDRESS}), as the leader's scheduler tells them on its own. So a Slack command or an API request
 * that came in here hears how its ticket goes (its {@code response_url} is in this process's memory only), and the
 * ticket history answers here too. Only while following: on the leader the scheduler tells them itself.
 *
 * <p>No consumer group: every partition is assigned and read from its end, nothing is committed (a follower needs
 * what happens from now on, and leaves no group behind).
 */
public final class TicketEventsRelay extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TicketEventsRelay.class);

  private final DaemonConfig config;
  /** Whether this replica follows now; never tell the leader's own events back to the leader (they would loop). */
  private final java.util.function.BooleanSupplier following;
  private KafkaConsumer<String, byte[]> consumer;

  public TicketEventsRelay(DaemonConfig config, java.util.function.BooleanSupplier following) {
    this.config = config;
    this.following = following;
  }

  @Override
  public Future<?> start() {
    Map<String, String> props = new HashMap<>(config.kafka().properties());
    props.remove("group.id");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    String topic = config.kafka().topics().events();
    consumer = KafkaConsumer.create(vertx, props);
    consumer.exceptionHandler(e -> LOG.warn("reading the events topic: {}", e.toString()));
    consumer.handler(this::relay);
    return consumer.partitionsFor(topic).compose(infos -> {
      Set<TopicPartition> all = infos.stream().map(p -> new TopicPartition(topic, p.getPartition()))
          .collect(Collectors.toSet());
      return consumer.assign(all).compose(v -> consumer.seekToEnd(all));
    });
  }

  private void relay(KafkaConsumerRecord<String, byte[]> r) {
    if (!following.getAsBoolean()) {
      return;
    }
    try {
      JsonObject e = new JsonObject(io.vertx.core.buffer.Buffer.buffer(r.value()));
      String type = e.getString("type", "");
      if (!type.startsWith(CloudEvents.TYPE_PREFIX)) {
        return; // a node event: the leader's business alone
      }
      JsonObject data = e.getJsonObject("data", new JsonObject());
      TicketEvent event = new TicketEvent(type.substring(CloudEvents.TYPE_PREFIX.length()), data.getString("ticket"),
          e.getString("subject", ""), java.time.OffsetDateTime.parse(e.getString("time")).toInstant(), data);
      vertx.eventBus().publish(TicketEvent.ADDRESS, event.toJson());
    } catch (RuntimeException x) {
      LOG.warn("an event on {} could not be read back: {}", r.topic(), x.toString());
    }
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.close();
  }
}
