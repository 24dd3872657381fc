package dev.takeover.demo;

import dev.takeover.daemon.DaemonCommand;
import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The demo as issue 12 has it: a real Kafka broker (Kafka's KRaft test kit) and the simulated cluster in this
 * process, the daemon started as {@code java -jar target/takeover.jar daemon --config FILE} starts it (the same
 * {@link DaemonCommand}), the seed's ticket published to the tickets topic, and the CloudEvents printed as they
 * arrive on the events topic, one line each.
 */
final class DaemonDemo {
  static final String TICKET = "CHG-1042";
  /** The demo's secrets: written into its settings and printed in its curl commands (a demo has nothing to hide). */
  static final String API_TOKEN = "demo-api-token";
  static final String SLACK_SECRET = "demo-signing-secret";
  static final String SLACK_USER = "U0DEMO";
  static final String SLACK_CHANNEL = "C0DEMO";
  private static final Set<String> LAST = Set.of("completed", "failed", "cancelled", "expired", "rejected");

  /** The running broker, daemon and event printer; closing stops them, newest first. */
  record Parts(KafkaClusterTestKit broker, DaemonCommand.Running daemon, EventFollower follower, Path config)
      implements AutoCloseable {
    String bootstrap() {
      return broker.bootstrapServers();
    }

    @Override
    public void close() {
      follower.close();
      if (daemon != null) {
        daemon.close();
      }
      try {
        broker.close();
      } catch (Exception e) {
        // stopping anyway
      }
    }
  }

  private DaemonDemo() {}

  /** Starts the broker and the daemon against {@code cluster}; the daemon's settings are written to {@code config}. */
  static Parts start(SimulatedCluster cluster, Path kubeconfig, Path config, int httpPort, PrintStream out) {
    long t0 = System.nanoTime();
    KafkaClusterTestKit broker = quietly(TestBroker::start);
    try {
      writeConfig(config, broker.bootstrapServers(), httpPort < 0 ? (free(8080) ? 8080 : 0) : httpPort);
      out.printf(java.util.Locale.ROOT, "Kafka broker (KRaft, Kafka's test kit) at %s, up in %.1f s%n",
          broker.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
      out.println("$ java -jar target/takeover.jar daemon --config " + config + " --kubeconfig " + kubeconfig);
      long t1 = System.nanoTime();
      DaemonCommand.Running daemon;
      try {
        // No environment: TAKEOVER_* variables of the shell must not change the demo.
        daemon = DaemonCommand.start(List.of("--config", config.toString(), "--kubeconfig", kubeconfig.toString()),
            Map.of());
      } catch (DaemonCommand.NotStarted e) {
        throw new IllegalStateException("the daemon did not start: " + e.getMessage());
      }
      out.printf(java.util.Locale.ROOT, "Daemon up in %.1f s: reading %s, writing %s; HTTP on http://127.0.0.1:%d%n%n",
          (System.nanoTime() - t1) / 1e9, daemon.config().kafka().topics().tickets(),
          daemon.config().kafka().topics().events(), daemon.daemon().httpPort());
      return new Parts(broker, daemon, new EventFollower(broker.bootstrapServers(),
          daemon.config().kafka().topics().events(), out), config);
    } catch (RuntimeException e) {
      try {
        broker.close();
      } catch (Exception ignored) {
        // the first failure is the one to tell
      }
      throw e;
    }
  }

  /** Publishes a ticket as an operator's tool would (key = node, value = the JSON) and waits for the broker's ack. */
  static void publish(String bootstrap, String topic, String node, String json) {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
        new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>(topic, node, json)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the ticket was not published: " + e.getMessage(), e);
    }
  }

  static String ticket(String id, String node, String drainTimeout) {
    String options = drainTimeout == null ? "" : ",\"options\":{\"drainTimeout\":\"" + drainTimeout + "\"}";
    return "{\"id\":\"" + id + "\",\"action\":\"takeover\",\"node\":\"" + node
        + "\",\"requestedBy\":\"demo\",\"reason\":\"maintenance of the seed, 12.3\"" + options + "}";
  }

  /** An Alertmanager notification (webhook version 4, trimmed to what Takeover reads) of one firing alert. */
  static String alert(String node) {
    return "{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"takeover\",\"alerts\":[{\"status\":\"firing\","
        + "\"labels\":{\"alertname\":\"NodeMaintenanceRequired\",\"instance\":\"" + node + ":9100\"},"
        + "\"annotations\":{\"summary\":\"disk of " + node + " is failing\"},\"startsAt\":\"2026-12-02T10:00:00Z\","
        + "\"fingerprint\":\"d3m0a1e7f00d\"}]}";
  }

  private static boolean free(int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void writeConfig(Path file, String bootstrap, int httpPort) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, """
          # Written by the demo: the daemon's settings (see config/takeover.yaml for every key and its default).
          daemon:
            instance: demo
          kafka:
            properties:
              bootstrap.servers: "%s"
            partitions: 1
          engine:
            relistPeriod: PT2S
          tickets:
            tick: PT0.2S
          http:
            host: 127.0.0.1
            port: %d
            apiToken: "%s"
          slack:
            signingSecret: "%s"
            allowedUsers: [%s]
            allowedChannels: [%s]
          """.formatted(bootstrap, httpPort, API_TOKEN, SLACK_SECRET, SLACK_USER, SLACK_CHANNEL), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The test kit prints its formatting to System.out; the demo's reader needs none of it. */
  private static <T> T quietly(java.util.function.Supplier<T> start) {
    PrintStream saved = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      return start.get();
    } finally {
      System.setOut(saved);
    }
  }

  /** Reads the events topic from its start on a thread of its own and prints each CloudEvent as one line. */
  static final class EventFollower implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private final Map<String, CompletableFuture<String>> endings = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    EventFollower(String bootstrap, String topic, PrintStream out) {
      this.out = out;
      consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "demo-reader",
          "auto.offset.reset", "earliest", "enable.auto.commit", "false"), new StringDeserializer(),
          new ByteArrayDeserializer());
      List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      thread = new Thread(this::follow, "demo-events");
      thread.setDaemon(true);
      thread.start();
    }

    /** The last event type of a ticket (completed, failed, …), once it has come. */
    CompletableFuture<String> ending(String ticket) {
      return endings.computeIfAbsent(ticket, t -> new CompletableFuture<>());
    }

    private void follow() {
      JsonFormat format = new JsonFormat();
      try {
        while (!closed) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            CloudEvent e = format.deserialize(r.value());
            out.println(EventLine.of(e, (System.nanoTime() - t0) / 1e9));
            String type = e.getType().substring(e.getType().lastIndexOf('.') + 1);
            if (LAST.contains(type)) {
              ending(r.key()).complete(type);
            }
          }
        }
      } catch (org.apache.kafka.common.errors.WakeupException e) {
        // closed
      } catch (RuntimeException e) {
        out.println("demo: the events topic could not be read: " + e.getMessage());
      } finally {
        consumer.close(Duration.ofSeconds(2));
      }
    }

    @Override
    public void close() {
      closed = true;
      consumer.wakeup();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
