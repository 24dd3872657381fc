package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tickets are not kept for ever: one that ended longer ago than {@code tickets.retention} is tombstoned in the state
 * topic, and a daemon started afterwards does not know it (its id may be used again).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRetentionTest {

  @Test
  void an_ended_ticket_is_tombstoned_after_the_retention_and_forgotten_by_the_next_start() {
    DaemonConfig base = DaemonUnderTest.config(TestBroker.unique("ret"), 1);
    DaemonConfig config = new DaemonConfig(base.kafka(), base.engine(),
        new DaemonConfig.Tickets(65536, Duration.ofMillis(200), Duration.ofSeconds(2)), base.instance());
    String id = TestBroker.unique("old");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      try (DaemonUnderTest first = new DaemonUnderTest(cluster, config)) {
        first.publish("kube-node01", DaemonTicketsTest.plan(id, "kube-node01", ",\"reason\":\"first\""));
        first.awaitEvent(id, type("completed"), Duration.ofSeconds(60));
        assertTrue(tombstoned(config, id, Duration.ofSeconds(30)), "a tombstone for " + id + " in the state topic");
      }
      try (DaemonUnderTest second = new DaemonUnderTest(cluster, config)) {
        // Other content under the same id: a conflict if the ticket were remembered, a new ticket since it is not.
        second.publish("kube-node01", DaemonTicketsTest.plan(id, "kube-node01", ",\"reason\":\"second\""));
        // The reader starts at the topic's beginning: the first daemon's story comes first, then the second's.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> seen;
        do {
          List<CloudEvent> events = second.awaitEvent(id, type("completed").or(type("rejected")), Duration.ofSeconds(60));
          seen = types(events);
        } while (seen.stream().filter(t -> t.equals("completed") || t.equals("rejected")).count() < 2
            && System.nanoTime() < deadline);
        assertFalse(seen.contains("rejected"), seen.toString());
        assertEquals(2, seen.stream().filter("accepted"::equals).count(), "both publishings accepted: " + seen);
      }
    }
  }

  /** Reads the state topic from its start until a null value keyed by the ticket id, within the bound. */
  private static boolean tombstoned(DaemonConfig config, String id, Duration bound) {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "group.id", "state-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest"), new StringDeserializer(),
        new StringDeserializer())) {
      c.subscribe(List.of(config.kafka().topics().state()));
      long deadline = System.nanoTime() + bound.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          if (id.equals(r.key()) && r.value() == null) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
