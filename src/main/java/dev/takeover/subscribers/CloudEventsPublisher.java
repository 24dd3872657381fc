package dev.takeover.subscribers;

import dev.takeover.config.Backoff;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Publishes every {@link TicketEvent} of the event bus as one CloudEvent (see {@link CloudEvents}) on the events
 * topic, keyed by the ticket id: a ticket's events land on one partition, in the order they were published.
 *
 * <p>A broker outage is waited out, never passed on: unacknowledged events stay in a bounded {@link Outbox} and are
 * sent again with backoff, in order, each with the CloudEvent id it had. The outage and the recovery are logged once
 * each. Delivery is at least once: an event whose acknowledgement was lost is sent again with the same id.
 */
public final class CloudEventsPublisher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CloudEventsPublisher.class);

  /**
   * @param capacity     events kept while the topic is unreachable; beyond, the oldest progress events go first
   * @param retry        pause between attempts while the topic is unreachable (no jitter: one sender)
   * @param flushTimeout how long {@code stop()} waits for the queue to reach the topic
   */
  public record Limits(int capacity, Backoff retry, Duration flushTimeout) {
    /** 10,000 events, 0.5 s doubling to 10 s, 10 s to flush at stop. */
    public static Limits defaults() {
      return new Limits(10_000, new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10), 0), Duration.ofSeconds(10));
    }
  }

  /** The topic stopped acknowledging at {@code since}; {@code attempts} retries have failed since. */
  private record Outage(Instant since, int attempts) {}

  private final DaemonConfig config;
  private final Clock clock;
  private final Limits limits;
  private final String topic;
  private final URI source;
  private final Outbox outbox;

  private KafkaProducer<String, byte[]> producer;
  private MessageConsumer<Object> consumer;
  private MessageConsumer<JsonObject> nodeConsumer;
  private Outage outage;
  /** Tickets whose event failed and is not on the topic yet: the outage is over only once there is none. */
  private final Set<String> failing = new HashSet<>();
  private long retryTimer = -1;
  private long droppedSinceFull;
  private boolean closing;
  private Promise<Void> flushed;

  public CloudEventsPublisher(DaemonConfig config) {
    this(config, Clock.systemUTC(), Limits.defaults());
  }

  public CloudEventsPublisher(DaemonConfig config, Clock clock, Limits limits) {
    this.config = config;
    this.clock = clock;
    this.limits = limits;
    this.topic = config.kafka().topics().events();
    this.source = CloudEvents.source(config.instance());
    this.outbox = new Outbox(limits.capacity());
  }

  /** Completes once the bus consumer is registered; a broker that is down does not hold the start. */
  @Override
  public Future<?> start() {
    // Ordering per ticket needs the idempotent producer with acks=all; the delivery timeout bounds how long a send
    // may hang before it fails back to us and is retried from the outbox (the operator may choose another).
    producer = KafkaProducer.create(vertx, config.kafka().durableProducer(ByteArraySerializer.class,
        Duration.ofMinutes(2)));
    // A failed send is handled where it was made (failed()); the stream would report it again as "unhandled".
    producer.exceptionHandler(e -> { });
    consumer = vertx.eventBus().consumer(TicketEvent.ADDRESS, this::onTicketEvent);
    nodeConsumer = vertx.eventBus().consumer(dev.takeover.cluster.DeadNodeWatch.ADDRESS, this::onNodeEvent);
    return Future.all(consumer.completion(), nodeConsumer.completion());
  }

  /** Stops listening, gives the queue {@code flushTimeout} to reach the topic, then closes the producer. */
  @Override
  public Future<?> stop() {
    long deadline = System.nanoTime() + limits.flushTimeout().toNanos();
    flushed = Promise.promise();
    settleFlush();
    return Future.join(consumer.unregister(), nodeConsumer.unregister())
        .compose(v -> flushed.future().timeout(limits.flushTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .recover(e -> {
          LOG.warn("events topic {}: {} events not published at stop: not acknowledged within {} s", topic,
              outbox.size(), limits.flushTimeout().toSeconds());
          return Future.succeededFuture();
        })
        .compose(v -> {
          closing = true;
          vertx.cancelTimer(retryTimer);
          reportDrops();
          // What is left of the flush time; 0 would mean "wait for ever" to the client.
          long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
          return producer.close(left);
        });
  }

  private void onTicketEvent(Message<Object> message) {
    TicketEvent event;
    byte[] value;
    try {
      // The scheduler publishes toJson(); a record sent with a local codec is taken as it is.
      event = message.body() instanceof TicketEvent e ? e : TicketEvent.fromJson((JsonObject) message.body());
      if (event.ticket() == null || event.type() == null) {
        throw new IllegalArgumentException("it names no ticket or no type");
      }
      value = CloudEvents.structured(CloudEvents.toCloudEvent(event, source, () -> UUID.randomUUID().toString()));
    } catch (RuntimeException e) {
      LOG.warn("a message on {} is not a ticket event, not published: {}", TicketEvent.ADDRESS, oneLine(e));
      return;
    }
    Outbox.Entry dropped = outbox.add(event.ticket(), event.type(), value, event.keys());
    if (dropped != null) {
      if (droppedSinceFull++ == 0) {
        LOG.warn("events topic {}: queue full ({} events); dropping the oldest step and pod events first; the count"
            + " follows once there is room", topic, limits.capacity());
      }
    }
    pump();
  }

  /**
   * A node event of the dead-node watch, keyed by the node (an event about all nodes by
   * {@link CloudEvents#ALL_NODES_KEY}): a node's down and recovered land on one partition, in order, queued and
   * retried as the tickets' events are.
   */
  private void onNodeEvent(Message<JsonObject> message) {
    if (dev.takeover.cluster.DeadNodeWatch.retold(message.body())) {
      return; // an earlier leader published this down period
    }
    String node;
    byte[] value;
    try {
      node = CloudEvents.nodeEventKey(message.body());
      value = CloudEvents.structured(CloudEvents.nodeEvent(message.body(), source, () -> UUID.randomUUID().toString()));
    } catch (RuntimeException e) {
      LOG.warn("a message on {} is not a node event, not published: {}", dev.takeover.cluster.DeadNodeWatch.ADDRESS,
          oneLine(e));
      return;
    }
    if (outbox.add(node, message.body().getString("type"), value) != null && droppedSinceFull++ == 0) {
      LOG.warn("events topic {}: queue full ({} events); dropping the oldest step and pod events first; the count"
          + " follows once there is room", topic, limits.capacity());
    }
    pump();
  }

  /** Sends the next event of every ticket that has none in flight, unless a retry is being waited for. */
  private void pump() {
    if (retryTimer != -1 || closing) {
      return;
    }
    for (Outbox.Entry entry : outbox.takeReady()) {
      send(entry);
    }
  }

  private void send(Outbox.Entry entry) {
    KafkaProducerRecord<String, byte[]> record = KafkaProducerRecord.create(topic, entry.ticket(), entry.value());
    record.addHeader("content-type", CloudEvents.CONTENT_TYPE);
    Instant sentAt = clock.instant();
    producer.send(record).onComplete(
        ok -> delivered(entry),
        failure -> failed(entry, sentAt, failure));
  }

  private void delivered(Outbox.Entry entry) {
    outbox.done(entry);
    failing.remove(entry.ticket());
    if (outage != null) {
      // The topic answers: the others need not wait out the backoff.
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
      // Over only when no ticket's event is still failing: a restarted broker takes back its partitions one by one,
      // and one delivered event must not end the outage while others still fail (it would be told again at once).
      failing.removeIf(t -> !outbox.hasEvents(t)); // a failed event dropped from a full queue fails no longer
      if (failing.isEmpty()) {
        LOG.info("events topic {} reachable again after {} s unreachable; {} events waiting", topic,
            Duration.between(outage.since(), clock.instant()).toSeconds(), outbox.size());
        outage = null;
      }
    }
    if (outbox.size() < limits.capacity()) {
      reportDrops();
    }
    settleFlush();
    pump();
  }

  private void failed(Outbox.Entry entry, Instant sentAt, Throwable cause) {
    if (closing) {
      return;
    }
    if (refusedForGood(cause)) {
      // Sending it again would fail the same way and hold back the ticket's later events.
      entry.keys().during(() -> LOG.warn("events topic {}: {} event of ticket {} dropped, the topic refuses it: {}",
          topic, entry.type(), entry.ticket(), oneLine(cause)));
      outbox.done(entry);
      failing.remove(entry.ticket());
      settleFlush();
      pump();
      return;
    }
    outbox.retryLater(entry);
    failing.add(entry.ticket());
    if (outage == null) {
      outage = new Outage(sentAt, 0);
      LOG.warn("events topic {} unreachable since {}: {}, {} events waiting", topic, sentAt, oneLine(cause),
          outbox.size());
    }
    if (retryTimer == -1) {
      outage = new Outage(outage.since(), outage.attempts() + 1);
      long delay = limits.retry().delay(outage.attempts(), null, () -> 0.5).toMillis();
      retryTimer = vertx.setTimer(delay, id -> {
        retryTimer = -1;
        pump();
      });
    }
  }

  private static boolean refusedForGood(Throwable cause) {
    return cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
        || cause instanceof InvalidRecordException || cause instanceof SerializationException;
  }

  /** Completes the stop's wait once everything queued is on the topic. */
  private void settleFlush() {
    if (flushed != null && outbox.isEmpty() && outbox.nothingInFlight()) {
      flushed.tryComplete();
    }
  }

  private void reportDrops() {
    if (droppedSinceFull > 0) {
      LOG.warn("events topic {}: {} events dropped while the queue was full ({} events)", topic, droppedSinceFull,
          limits.capacity());
      droppedSinceFull = 0;
    }
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    return (e.getClass().getSimpleName() + message).replace('\n', ' ').replace('\r', ' ');
  }
}
