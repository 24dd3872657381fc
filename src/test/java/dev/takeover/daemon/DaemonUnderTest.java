package dev.takeover.daemon;

import dev.takeover.config.Backoff;
import dev.takeover.config.EngineConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.jackson.JsonFormat;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The daemon as it runs in production, started from its own parts, against a simulated cluster and the shared
 * real broker, with topics of its own; plus a producer of tickets and a reader of the events and dead letters.
 */
final class DaemonUnderTest implements AutoCloseable {
  final String prefix;
  final DaemonConfig config;
  final Vertx vertx = Vertx.vertx();
  final Kube kube;
  final Daemon daemon;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> events;
  private final List<CloudEvent> seen = new ArrayList<>();

  DaemonUnderTest(SimulatedCluster cluster, int maxNodes) {
    this(cluster, config(TestBroker.unique("d"), maxNodes));
  }

  /** The settings of a daemon with topics named after {@code prefix}. */
  static DaemonConfig config(String prefix, int maxNodes) {
    String bootstrap = TestBroker.bootstrap();
    EngineConfig engine = EngineConfig.defaults()
        .withEvictionBackoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 0.2))
        .withDrainTimeout(Duration.ofSeconds(60)).withConfirmTimeout(Duration.ofSeconds(60))
        .withMaxNodesInMaintenance(maxNodes);
    return new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
        new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
        prefix, 3, (short) -1), engine, new DaemonConfig.Tickets(65536, Duration.ofMillis(200)), "test");
  }

  /** A daemon with these settings (a second one with the same settings is the first one restarted). */
  DaemonUnderTest(SimulatedCluster cluster, DaemonConfig config) {
    // The daemon's own broker (a test's restartable one, or the shared one), so that tickets and events go there.
    String bootstrap = config.kafka().properties().get("bootstrap.servers");
    this.config = config;
    this.prefix = config.kafka().groupId();
    kube = Kube.connect(vertx, cluster.client().getConfiguration(), 8, config.instance());
    daemon = await(Daemon.start(vertx, config, kube, Clock.systemUTC()));
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
        "max.request.size", String.valueOf(8 * 1024 * 1024)), new StringSerializer(), new ByteArraySerializer());
    events = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", prefix + "-reader-" + java.util.UUID.randomUUID(),
        "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
    events.subscribe(List.of(config.kafka().topics().events()));
  }

  void publish(String key, String value) {
    publish(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  void publish(String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(config.kafka().topics().tickets(), key, value)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("ticket not published: " + e, e);
    }
  }

  /** Reads events until one matches, within the bound; returns every event of the ticket seen so far. */
  List<CloudEvent> awaitEvent(String ticket, Predicate<CloudEvent> until, Duration bound) {
    EventFormat format = new JsonFormat();
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
        seen.add(format.deserialize(r.value()));
      }
      List<CloudEvent> mine = of(ticket);
      if (mine.stream().anyMatch(until)) {
        return mine;
      }
    }
    throw new AssertionError("no such event of " + ticket + " within " + bound + "; seen: " + types(of(ticket)));
  }

  /** The dead letters so far (at least {@code n}, within the bound), read from the start of the topic. */
  List<ConsumerRecord<String, byte[]>> deadLetters(int n, Duration bound) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
        config.kafka().properties().get("bootstrap.servers"),
        "group.id", prefix + "-dlq-" + java.util.UUID.randomUUID(), "auto.offset.reset", "earliest",
        "max.partition.fetch.bytes", String.valueOf(8 * 1024 * 1024)), new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(config.kafka().topics().deadLetters()));
      long deadline = System.nanoTime() + bound.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    if (out.size() < n) {
      throw new AssertionError(out.size() + " dead letters within " + bound + ", expected " + n);
    }
    return out;
  }

  static String header(ConsumerRecord<String, byte[]> r, String name) {
    org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  List<CloudEvent> of(String ticket) {
    return seen.stream().filter(e -> ticket.equals(data(e).getString("ticket"))).toList();
  }

  static JsonObject data(CloudEvent e) {
    return e.getData() == null ? new JsonObject() : new JsonObject(new String(e.getData().toBytes(), StandardCharsets.UTF_8));
  }

  static List<String> types(List<CloudEvent> events) {
    return events.stream().map(e -> e.getType().substring("dev.takeover.ticket.".length())).toList();
  }

  static Predicate<CloudEvent> type(String t) {
    return e -> e.getType().equals("dev.takeover.ticket." + t);
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within 60 s: " + e, e);
    }
  }

  /** Stops the daemon as SIGTERM does, leaving the broker's topics as they are. */
  void stopDaemon() {
    try {
      daemon.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("daemon did not stop: " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      daemon.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    producer.close();
    events.close();
    kube.close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }

  /**
   * Ends the daemon as close to kill -9 as one JVM allows: Vert.x closed under it, {@link Daemon#stop()} never
   * called, then the Kubernetes client. (Closing Vert.x still undeploys the verticles; no process exit is closer.)
   */
  void kill() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("Vert.x did not close: " + e, e);
    }
    kube.close();
  }

  /** The settings of a daemon on the broker at {@code bootstrap} (a test's own), topics named after {@code prefix}. */
  static DaemonConfig config(String bootstrap, String prefix, int maxNodes) {
    DaemonConfig c = config(prefix, maxNodes);
    DaemonConfig.Kafka k = c.kafka();
    return new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap), k.topics(), k.groupId(),
        k.partitions(), k.replicationFactor()), c.engine(), c.tickets(), c.instance());
  }

  /** The ids of every ticket the events read so far tell of (read them up to a point first with awaitEvent). */
  java.util.Set<String> ticketsSeen() {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    seen.forEach(e -> {
      String id = data(e).getString("ticket");
      if (id != null) {
        ids.add(id);
      }
    });
    return ids;
  }

  /**
   * Reads the events topic until a record matches (key and CloudEvent), within the bound; the events read are kept
   * for {@link #awaitEvent} as well.
   */
  ConsumerRecord<String, CloudEvent> awaitRecord(Predicate<ConsumerRecord<String, CloudEvent>> until, Duration bound) {
    EventFormat format = new JsonFormat();
    long deadline = System.nanoTime() + bound.toNanos();
    List<String> read = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
        CloudEvent e = format.deserialize(r.value());
        seen.add(e);
        ConsumerRecord<String, CloudEvent> mine = new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), e);
        read.add(r.key() + " " + e.getType());
        if (until.test(mine)) {
          return mine;
        }
      }
    }
    throw new AssertionError("no such record within " + bound + "; read: " + read);
  }
}
