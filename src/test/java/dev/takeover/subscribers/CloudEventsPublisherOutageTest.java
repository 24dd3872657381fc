package dev.takeover.subscribers;

import dev.takeover.kafka.RestartableBroker;
import dev.takeover.kafka.TestBroker;
import dev.takeover.logs.LogCapture;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static dev.takeover.subscribers.CloudEventsPublisherTest.data;
import static dev.takeover.subscribers.PublisherUnderTest.randomId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker outage is waited out, never passed on (issue 12, "Broker outages are survived"): what the scheduler tells
 * while the broker is down is kept by the publisher and reaches the topic once the broker is back, all of it, each
 * ticket's events in order, each event with the id it was given.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CloudEventsPublisherOutageTest {
  static final JsonFormat FORMAT = new JsonFormat();

  @Test
  void events_told_while_the_broker_is_down_are_kept_and_all_reach_the_topic_in_order_once_it_is_back() {
    // Short client timeouts, so that sends fail during the outage and the publisher's own retries are what
    // carries the events over it (with the defaults the producer would hold them for 2 minutes by itself).
    Map<String, String> impatient = Map.of("delivery.timeout.ms", "3000", "request.timeout.ms", "1000",
        "max.block.ms", "2000", "reconnect.backoff.max.ms", "500");
    try (RestartableBroker broker = TestBroker.restartable();
         PublisherUnderTest p = new PublisherUnderTest(broker.bootstrap(), "takeover-0", impatient);
         LogCapture logs = LogCapture.of(CloudEventsPublisher.class)) {
      String before = randomId("before");
      p.tell("accepted", before, "kube-node01", new JsonObject().put("n", 0));
      p.read(1, Duration.ofSeconds(30));

      broker.stop();
      List<String> tickets = IntStream.range(0, 8).mapToObj(i -> randomId("down")).toList();
      int each = 12;
      for (int n = 0; n < each; n++) {
        for (String t : tickets) {
          p.tell(n == 0 ? "accepted" : "step", t, "kube-node01", new JsonObject().put("n", n));
        }
      }
      // The outage is noticed (a send failed back to the publisher) before the broker comes back.
      logs.await(l -> l.contains("unreachable since"), Duration.ofSeconds(30));
      broker.restart();
      long back = System.nanoTime();

      List<ConsumerRecord<String, byte[]>> records = p.readUntil(
          rs -> distinctIds(rs).size() >= 1 + tickets.size() * each, Duration.ofSeconds(60));
      long drainedMs = (System.nanoTime() - back) / 1_000_000;

      // Each ticket's events, in the order the topic has them, a repeat (same id: an acknowledgement lost in the
      // outage) counted once, as a consumer that drops repeated ids sees them.
      Map<String, List<Integer>> byTicket = new LinkedHashMap<>();
      Set<String> seen = new HashSet<>();
      for (ConsumerRecord<String, byte[]> r : records) {
        CloudEvent e = FORMAT.deserialize(r.value());
        if (seen.add(e.getId())) {
          byTicket.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(data(e).getInteger("n"));
        }
      }
      List<Integer> inOrder = IntStream.range(0, each).boxed().toList();
      for (String t : tickets) {
        assertEquals(inOrder, byTicket.get(t), "events of " + t + ": none lost, none out of order");
      }
      // Told once, and its end once, though the broker's partitions come back one after another.
      logs.await(l -> l.contains("reachable again"), Duration.ofSeconds(10));
      assertEquals(1, logs.containing("unreachable since").size(), "the outage is told once: " + logs.lines());
      assertEquals(1, logs.containing("reachable again").size(), "its end is told once: " + logs.lines());
      System.out.printf("publisher outage: %d events kept, on the topic %d ms after the restart, %d repeats%n",
          tickets.size() * each, drainedMs, records.size() - seen.size());
      assertTrue(records.size() - seen.size() <= tickets.size(), "at most one repeat per ticket in flight");
    }
  }

  private static Set<String> distinctIds(List<ConsumerRecord<String, byte[]>> records) {
    Set<String> ids = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      ids.add(FORMAT.deserialize(r.value()).getId());
    }
    return ids;
  }
}
