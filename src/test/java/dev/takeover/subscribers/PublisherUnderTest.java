package dev.takeover.subscribers;

import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * The CloudEvents publisher deployed alone on a Vertx of its own, as the daemon deploys it, with an events topic of
 * its own (3 partitions, as the daemon creates it); the test tells ticket events on the event bus as the scheduler
 * does, and reads the topic back with a plain Kafka consumer.
 *
 * <p>The reader takes the topic's partitions itself, from their beginning, without a consumer group: what it reads
 * then depends only on what the publisher put on the topic, not on a group coordinator finding, joining and
 * assigning (none of which the publisher's tests are about).
 */
final class PublisherUnderTest implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final DaemonConfig config;
  final String topic;
  private static final int PARTITIONS = 3;
  private final KafkaConsumer<String, byte[]> reader;
  private final List<TopicPartition> partitions;
  private final List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
  private String deployment;

  /**
   * @param bootstrap the broker
   * @param instance  the daemon's name, the CloudEvents source's last segment
   * @param extra     Kafka client properties passed through to the publisher's producer
   */
  PublisherUnderTest(String bootstrap, String instance, Map<String, String> extra) {
    String prefix = TestBroker.unique("ce");
    topic = prefix + ".events";
    Map<String, String> props = new java.util.HashMap<>(extra);
    props.put("bootstrap.servers", bootstrap);
    config = new DaemonConfig(new DaemonConfig.Kafka(props,
        new DaemonConfig.Topics(prefix + ".tickets", topic, prefix + ".dlq", prefix + ".state"), prefix, 3, (short) -1),
        EngineConfig.defaults(), new DaemonConfig.Tickets(65536, Duration.ofMillis(200)), instance);
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("events topic not created: " + e, e);
    }
    reader = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest"),
        new StringDeserializer(), new ByteArrayDeserializer());
    partitions = IntStream.range(0, PARTITIONS).mapToObj(i -> new TopicPartition(topic, i)).toList();
    reader.assign(partitions);
    reader.seekToBeginning(partitions);
    deploy();
  }

  void deploy() {
    deployment = await(vertx.deployVerticle(new CloudEventsPublisher(config)));
  }

  /** Stops the publisher as the daemon's stop does; completes once its producer is closed. */
  void undeploy() {
    await(vertx.undeploy(deployment));
  }

  /** Tells a ticket event on the bus, as the scheduler does (JSON). */
  void tell(String type, String ticket, String node, JsonObject data) {
    tell(new TicketEvent(type, ticket, node, Instant.now(), data));
  }

  void tell(TicketEvent event) {
    vertx.eventBus().publish(TicketEvent.ADDRESS, event.toJson());
  }

  /**
   * Reads the topic until {@code until} holds for what was read; returns everything read. Fails once the topic has
   * shown nothing new for {@code stall}, or after ten times that in all. A stall, not the total time, is the bound:
   * the publisher sends a ticket's next event only once the previous one is acknowledged, so its events take one
   * round trip to the broker each, and a slow machine makes that slower without anything being lost.
   */
  List<ConsumerRecord<String, byte[]>> readUntil(Predicate<List<ConsumerRecord<String, byte[]>>> until,
                                                 Duration stall) {
    long start = System.nanoTime();
    long lastNew = start;
    while (!until.test(read)) {
      long now = System.nanoTime();
      if (now - lastNew > stall.toNanos() || now - start > stall.multipliedBy(10).toNanos()) {
        throw new AssertionError("the events topic did not show what was awaited: " + (now - lastNew > stall.toNanos()
            ? "nothing new for " + stall : "not within " + stall.multipliedBy(10)) + "; " + progress());
      }
      int before = read.size();
      reader.poll(Duration.ofMillis(200)).forEach(read::add);
      if (read.size() > before) {
        lastNew = System.nanoTime();
      }
    }
    return List.copyOf(read);
  }

  /**
   * What was read against what the topic holds, by partition: records on the topic but not read point at the
   * reader, records never on the topic at the publisher (still queued, in flight, or lost).
   */
  private String progress() {
    StringBuilder s = new StringBuilder("read " + read.size() + " records");
    try {
      Map<TopicPartition, Long> ends = reader.endOffsets(partitions, Duration.ofSeconds(10));
      long held = ends.values().stream().mapToLong(Long::longValue).sum();
      s.append("; the topic holds ").append(held).append(" (read/held by partition:");
      for (TopicPartition tp : partitions) {
        long mine = read.stream().filter(r -> r.partition() == tp.partition()).count();
        s.append(' ').append(tp.partition()).append('=').append(mine).append('/').append(ends.get(tp));
      }
      s.append(')');
    } catch (RuntimeException e) {
      s.append("; the topic's end offsets are unknown: ").append(e);
    }
    read.stream().mapToLong(ConsumerRecord::timestamp).max().ifPresent(t ->
        s.append("; the newest read was sent ").append(Instant.now().toEpochMilli() - t).append(" ms ago"));
    return s.toString();
  }

  /** Reads until at least {@code n} records were read (see {@link #readUntil} for {@code stall}). */
  List<ConsumerRecord<String, byte[]>> read(int n, Duration stall) {
    return readUntil(r -> r.size() >= n, stall);
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within 60 s: " + e, e);
    }
  }

  static String randomId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public void close() {
    reader.close();
    try {
      // The publisher's stop first (its producer closes on a worker), then Vert.x, whose close would interrupt it.
      if (!vertx.deploymentIDs().isEmpty()) {
        undeploy();
      }
    } catch (AssertionError e) {
      // closing anyway
    }
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
