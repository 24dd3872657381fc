package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.Daemon;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.kube.Kube;
import dev.takeover.sim.SimulatedCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The daemon as production starts it ({@link Daemon#start}, the production defaults but for the limit), on its own
 * Vert.x, with topics named after a prefix of its own on the benchmark's broker; plus a producer of tickets and a
 * reader of the ticket outcomes on the events topic.
 */
final class BenchDaemon implements AutoCloseable {
  final DaemonConfig config;
  private final Vertx vertx = Vertx.vertx();
  private final Kube kube;
  private final Daemon daemon;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> events;
  /** Tickets whose completed, failed, cancelled or expired event was read. */
  private final Set<String> ended = new HashSet<>();

  BenchDaemon(String bootstrap, SimulatedCluster cluster, int maxNodesInMaintenance) throws Exception {
    this(bootstrap, cluster, EngineConfig.defaults().withMaxNodesInMaintenance(maxNodesInMaintenance));
  }

  BenchDaemon(String bootstrap, SimulatedCluster cluster, EngineConfig engine) throws Exception {
    String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
        new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
        prefix, 3, (short) -1), engine,
        new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)), "bench");
    kube = Kube.connect(vertx, cluster.client().getConfiguration(), config.engine().kubeWorkers(), "takeover-bench");
    daemon = Daemon.start(vertx, config, kube, Clock.systemUTC()).await(120, TimeUnit.SECONDS);
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "5"),
        new StringSerializer(), new ByteArraySerializer());
    events = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", prefix + "-reader",
        "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
    events.subscribe(List.of(config.kafka().topics().events()));
  }

  static String ticket(String id, String action, String node) {
    return new JsonObject().put("id", id).put("action", action).put("node", node).put("requestedBy", "bench").encode();
  }

  /** Publishes and waits for the broker's acknowledgement. */
  void publish(String key, String value) throws Exception {
    send(key, value.getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
  }

  /** Publishes without waiting (batched by the producer). */
  Future<?> send(String key, byte[] value) {
    return producer.send(new ProducerRecord<>(config.kafka().topics().tickets(), key, value));
  }

  void flush() {
    producer.flush();
  }

  /** Reads events until the ticket's end is among them; throws when it does not come within the bound. */
  void awaitEnd(String ticket, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!ended.contains(ticket)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("ticket " + ticket + " did not end within " + bound);
      }
      for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(20))) {
        JsonObject e = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
        String type = e.getString("type", "");
        if (type.endsWith(".completed") || type.endsWith(".failed") || type.endsWith(".cancelled")
            || type.endsWith(".expired")) {
          if (!type.endsWith(".completed")) {
            System.out.println("  (ticket " + r.key() + " ended " + type + ": "
                + e.getJsonObject("data", new JsonObject()).getString("reason") + ")");
          }
          ended.add(r.key());
        }
      }
    }
  }

  /** Reads the dead-letter topic from its start until {@code n} records were read; the nanoTime of the n-th. */
  long awaitDeadLetters(String bootstrap, int n, Duration bound) {
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        "group.id", config.kafka().groupId() + "-dlq", "auto.offset.reset", "earliest"),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(config.kafka().topics().deadLetters()));
      long deadline = System.nanoTime() + bound.toNanos();
      int read = 0;
      while (System.nanoTime() < deadline) {
        read += c.poll(Duration.ofMillis(50)).count();
        if (read >= n) {
          return System.nanoTime();
        }
      }
      throw new IllegalStateException(read + " dead letters within " + bound + ", expected " + n);
    }
  }

  @Override
  public void close() throws Exception {
    daemon.stop().await(30, TimeUnit.SECONDS);
    producer.close();
    events.close();
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
