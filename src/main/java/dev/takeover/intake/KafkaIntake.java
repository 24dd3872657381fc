package dev.takeover.intake;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.logs.RunKeys;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.schedule.StoredTickets;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ticket intake from Kafka: each record of the tickets topic is read, checked, and either handed to the scheduler
 * (which records it durably before it answers) or sent to the dead letters; only then is its offset committed. So
 * a daemon killed at any moment reads again what it had not finished, and the scheduler knows a record it has
 * already recorded. A record that cannot be a ticket never blocks its partition and never stops the daemon.
 *
 * <p>Records are taken one at a time, in order, by polling: the next poll waits for the last record's end.
 */
public final class KafkaIntake extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaIntake.class);
  /** Before the cluster view has answered once, a ticket waits at most this long for its node check. */
  private static final Duration NODE_CHECK_PATIENCE = Duration.ofSeconds(60);

  private final DaemonConfig config;
  private final Clock clock;
  private final TicketJson json;
  private KafkaConsumer<String, byte[]> consumer;
  private DeadLetters deadLetters;
  private volatile boolean stopping;
  private Promise<Void> stopped = Promise.promise();

  public KafkaIntake(DaemonConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.json = new TicketJson(config.tickets().maxBytes());
  }

  @Override
  public Future<?> start() {
    Map<String, String> props = new HashMap<>(config.kafka().properties());
    props.put("group.id", config.kafka().groupId());
    props.put("enable.auto.commit", "false");
    props.putIfAbsent("auto.offset.reset", "earliest");
    props.putIfAbsent("max.poll.records", "50");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    consumer = KafkaConsumer.create(vertx, props);
    consumer.exceptionHandler(e -> LOG.warn("ticket consumer: {}", e.getMessage()));
    deadLetters = new DeadLetters(vertx, config);
    return consumer.subscribe(config.kafka().topics().tickets()).onSuccess(v -> {
      LOG.info("taking tickets from {}", config.kafka().topics().tickets());
      poll(0);
    });
  }

  @Override
  public Future<?> stop() {
    stopped = Promise.promise();
    stopping = true;
    // The loop ends after the record in hand; then the consumer closes (leaving the group at once).
    return stopped.future().transform(ar -> consumer.close())
        .andThen(ar -> LOG.info("stopped taking tickets from {}", config.kafka().topics().tickets()))
        .transform(ar -> deadLetters.close());
  }

  private void poll(int failures) {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    consumer.poll(Duration.ofMillis(500)).onComplete(ar -> {
      if (ar.failed()) {
        if (failures % 20 == 0) {
          LOG.warn("reading tickets failed (attempt {}): {}", failures + 1, ar.cause().getMessage());
        }
        vertx.setTimer(Math.min(5000L, 200L << Math.min(failures, 5)), t -> poll(failures + 1));
        return;
      }
      take(ar.result()).onComplete(done -> {
        if (done.succeeded()) {
          poll(0);
          return;
        }
        if (failures % 20 == 0 && !stopping) {
          LOG.warn("a ticket could not be settled (attempt {}), reading it again: {}", failures + 1,
              done.cause().getMessage());
        }
        vertx.setTimer(Math.min(5000L, 200L << Math.min(failures, 5)), t -> poll(failures + 1));
      });
    });
  }

  /**
   * Handles a poll's records one after another, in order, then commits the offsets of those settled (recorded by
   * the scheduler, or dead-lettered): one commit a batch, not one a record, which tripled the dead-letter rate. A
   * daemon killed mid-batch reads the batch's settled records again: the scheduler knows them (a redelivery is
   * no duplicate), a bad record is dead-lettered a second time.
   */
  private Future<Void> take(KafkaConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> settled = new HashMap<>();
    return settle(records, 0, settled).transform(ar -> commit(settled).transform(x -> ar.succeeded()
        ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause())));
  }

  private Future<Void> settle(KafkaConsumerRecords<String, byte[]> records, int i,
                              Map<TopicPartition, OffsetAndMetadata> settled) {
    if (i >= records.size() || stopping) {
      return Future.succeededFuture();
    }
    KafkaConsumerRecord<String, byte[]> r = records.recordAt(i);
    TopicPartition partition = new TopicPartition(r.topic(), r.partition());
    return handle(r)
        // Not settled (the dead letters unreachable, or stopping): the consumer's position is already past this
        // record and the rest of the batch, and a later commit would skip them for good. Back to the first
        // unsettled record of every partition of the batch, so that the next poll reads them again.
        .recover(e -> rewind(records, i).transform(x -> Future.<Void>failedFuture(e)))
        .compose(v -> {
          settled.put(partition, new OffsetAndMetadata(r.offset() + 1, ""));
          return settle(records, i + 1, settled);
        });
  }

  private Future<Void> rewind(KafkaConsumerRecords<String, byte[]> records, int from) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (int j = from; j < records.size(); j++) {
      KafkaConsumerRecord<String, byte[]> r = records.recordAt(j);
      first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
    }
    List<Future<Void>> seeks = new ArrayList<>();
    // A partition revoked meanwhile cannot be sought: its new owner starts from the last commit anyway.
    first.forEach((tp, offset) -> seeks.add(consumer.seek(tp, offset).otherwiseEmpty()));
    return Future.join(seeks).mapEmpty();
  }

  private Future<Void> commit(Map<TopicPartition, OffsetAndMetadata> settled) {
    if (settled.isEmpty()) {
      return Future.succeededFuture();
    }
    // A failed commit (a rebalance) only means the records are read again; the scheduler knows them.
    return consumer.commit(settled).<Void>mapEmpty().otherwise(e -> null);
  }

  private Future<Void> handle(KafkaConsumerRecord<String, byte[]> r) {
    String from = r.topic() + "-" + r.partition() + "@" + r.offset();
    TicketJson.Result parsed;
    try {
      parsed = json.parse(r.value(), r.key(), TicketPublisher.sourceOf(r.headers()), clock.instant());
    } catch (RuntimeException e) {
      parsed = new TicketJson.Invalid(new Rejection("internal", "the ticket could not be read: " + e.getClass().getSimpleName()));
    }
    if (parsed instanceof TicketJson.Invalid invalid) {
      return reject(r, invalid.rejection(), null);
    }
    TicketJson.Valid valid = (TicketJson.Valid) parsed;
    Ticket t = valid.ticket();
    return checkNode(t, clock.instant().plus(NODE_CHECK_PATIENCE)).compose(refused -> refused != null
        ? reject(r, refused, t)
        : submit(t, valid.fingerprint(), from, 0).compose(rej -> rej == null ? Future.succeededFuture()
            : reject(r, rej, t)));
  }

  /** Null when the node may be worked on; the rejection otherwise. Waits for the cluster view's first list. */
  private Future<Rejection> checkNode(Ticket t, java.time.Instant giveUp) {
    return NodeCheck.check(vertx, t).recover(e -> {
      if (clock.instant().isAfter(giveUp) || stopping) {
        // The engine checks the node again when the run starts: the ticket is not held forever.
        new RunKeys(t.id(), null, t.node()).during(() -> LOG.warn(
            "ticket {}: node {} not checked, the cluster view did not answer: {}", t.id(), t.node(), e.getMessage()));
        return Future.succeededFuture(null);
      }
      return later(1000).compose(v -> checkNode(t, giveUp));
    });
  }

  /** Null once the scheduler has recorded the ticket (or knew it); a rejection it gave; retries while it cannot answer. */
  private Future<Rejection> submit(Ticket t, String fingerprint, String from, int attempt) {
    JsonObject body = new JsonObject().put("ticket", StoredTickets.toJson(t)).put("fingerprint", fingerprint)
        .put("from", from);
    return vertx.eventBus().<JsonObject>request(SchedulerVerticle.SUBMIT, body, new DeliveryOptions().setSendTimeout(60_000))
        .map(reply -> (Rejection) null)
        .recover(e -> {
          if (e instanceof ReplyException re && re.failureCode() == 409) {
            JsonObject why = new JsonObject(re.getMessage());
            return Future.succeededFuture(new Rejection(why.getString("code"), why.getString("reason")));
          }
          if (stopping) {
            return Future.failedFuture("stopping"); // not committed: read again after the restart
          }
          if (attempt % 10 == 0) {
            new RunKeys(t.id(), null, t.node()).during(() -> LOG.warn(
                "ticket {} waits for the scheduler (attempt {}): {}", t.id(), attempt + 1, e.getMessage()));
          }
          return later(Math.min(10_000L, 200L << Math.min(attempt, 6))).compose(v -> submit(t, fingerprint, from, attempt + 1));
        });
  }

  private Future<Void> reject(KafkaConsumerRecord<String, byte[]> r, Rejection why, Ticket t) {
    String id = t != null ? t.id() : r.topic() + "-" + r.partition() + "@" + r.offset();
    String node = t != null ? t.node() : r.key() == null ? "" : r.key();
    // Logged by the ticket log, from the rejected event, like every other event of a ticket.
    return deadLetters.send(r, why).onSuccess(v -> vertx.eventBus().publish(TicketEvent.ADDRESS,
        new TicketEvent("rejected", id, node, clock.instant(), new JsonObject().put("ticket", id)
            .put("code", why.code()).put("reason", why.reason()).put("source", TicketPublisher.sourceOf(r.headers()))
            .put("from", r.topic() + "-" + r.partition()
                + "@" + r.offset()).put("deadLetters", config.kafka().topics().deadLetters())).toJson()));
  }

  private Future<Void> later(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, x -> p.complete());
    return p.future();
  }
}
