package dev.takeover.daemon;

import dev.takeover.kafka.RestartableBroker;
import dev.takeover.kafka.TestBroker;
import dev.takeover.logs.LogCapture;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.takeover.daemon.DaemonTicketsTest.plan;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, "Broker outages are survived": the daemon's broker goes down while tickets are being published and runs
 * are under way, long enough for the daemon's writes to fail, and comes back on the same address. The daemon
 * reconnects and loses nothing: every ticket, published before, during or after the outage, runs once and ends
 * with one {@code completed} event.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonBrokerRestartTest {

  /**
   * The daemon's settings with client timeouts of seconds, as an operator may choose them: its writes fail early in
   * the outage, so that what carries them over is the daemon's own retrying, not the Kafka client's patience.
   */
  static DaemonConfig impatient(String bootstrap) {
    DaemonConfig c = DaemonUnderTest.config(bootstrap, TestBroker.unique("restart"), 1);
    DaemonConfig.Kafka k = c.kafka();
    Map<String, String> props = new java.util.HashMap<>(k.properties());
    props.putAll(Map.of("delivery.timeout.ms", "6000", "request.timeout.ms", "2000", "max.block.ms", "3000"));
    return new DaemonConfig(new DaemonConfig.Kafka(props, k.topics(), k.groupId(), k.partitions(),
        k.replicationFactor()), c.engine(), c.tickets(), c.instance());
  }

  @Test
  void tickets_published_across_a_broker_restart_each_run_once_and_each_end_with_one_completed_event() throws Exception {
    ExecutorService operatorThread = Executors.newSingleThreadExecutor();
    try (RestartableBroker broker = TestBroker.restartable();
         SimulatedCluster cluster = Seed.cluster(SimTiming.fast());
         DaemonUnderTest d = new DaemonUnderTest(cluster, impatient(broker.bootstrap()));
         // The operator's producer retries across the outage: idempotent (no ticket twice, none reordered), and
         // patient enough to outlast it (a send waits for the topic's metadata while the broker is away).
         KafkaProducer<String, String> operator = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrap(),
             "acks", "all", "enable.idempotence", "true", "delivery.timeout.ms", "180000",
             "max.block.ms", "180000"), new StringSerializer(), new StringSerializer());
         // The scheduler's state store says it waits for the broker.
         LogCapture scheduler = LogCapture.of("dev.takeover.schedule.StateStore");
         LogCapture daemon = LogCapture.of(Daemon.class)) {
      String tickets = d.config.kafka().topics().tickets();
      List<String> ids = IntStream.range(0, 40).mapToObj(i -> TestBroker.unique("plan" + i)).toList();
      List<Future<RecordMetadata>> acks = java.util.Collections.synchronizedList(new ArrayList<>());
      // Dry runs (plans) on both workers: real runs of the engine, one after another on each node.
      java.util.function.IntConsumer publish = i -> {
        String node = i % 2 == 0 ? "kube-node01" : "kube-node02";
        acks.add(operator.send(new ProducerRecord<>(tickets, node, plan(ids.get(i), node, ""))));
      };

      IntStream.range(0, 20).forEach(publish);
      // The first has run; the others are running or waiting their turn in the scheduler.
      d.awaitEvent(ids.get(0), type("completed"), Duration.ofSeconds(60));
      broker.stop();
      CountDownLatch publishing = new CountDownLatch(1);
      operatorThread.submit(() -> {
        publishing.countDown();
        IntStream.range(20, 30).forEach(publish); // each send waits for the broker
      });
      assertTrue(publishing.await(10, TimeUnit.SECONDS));
      // The daemon's own writes fail (the state of the runs under way) before the broker comes back.
      scheduler.await(l -> l.contains("state topic unreachable"), Duration.ofSeconds(60));
      broker.restart();
      operatorThread.submit(() -> IntStream.range(30, 40).forEach(publish)).get(120, TimeUnit.SECONDS);
      for (Future<RecordMetadata> ack : acks) {
        ack.get(120, TimeUnit.SECONDS);
      }

      for (String id : ids) {
        d.awaitEvent(id, type("completed"), Duration.ofSeconds(120));
      }
      int repeats = 0;
      for (String id : ids) {
        // A repeat of an event (the same CloudEvent id: its acknowledgement was lost in the outage) is one event.
        Set<String> eventIds = new HashSet<>();
        List<CloudEvent> once = new ArrayList<>();
        for (CloudEvent e : d.of(id)) {
          if (eventIds.add(e.getId())) {
            once.add(e);
          } else {
            repeats++;
          }
        }
        List<String> types = types(once);
        assertEquals(1, types.stream().filter("accepted"::equals).count(), id + ": " + types);
        assertEquals(1, types.stream().filter("started"::equals).count(), id + " runs once: " + types);
        assertEquals(1, types.stream().filter("completed"::equals).count(), id + ": " + types);
        assertEquals(0, types.stream().filter(t -> t.equals("failed") || t.equals("duplicate")).count(),
            id + ": " + types);
      }
      // An outage the daemon waits out is a warning of the part that waits, not an error of the whole daemon.
      assertEquals(List.of(), daemon.containing("let an exception slip"));
      System.out.printf("broker restart: %d tickets, each run once; %d repeated events%n", ids.size(), repeats);
    } finally {
      operatorThread.shutdownNow();
    }
  }
}
