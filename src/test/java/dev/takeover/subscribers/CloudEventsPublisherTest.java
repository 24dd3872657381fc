package dev.takeover.subscribers;

import dev.takeover.engine.Outcome;
import dev.takeover.engine.PodMove;
import dev.takeover.engine.RunId;
import dev.takeover.engine.Step;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import dev.takeover.kafka.TestBroker;
import dev.takeover.ticket.TicketEvent;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static dev.takeover.subscribers.PublisherUnderTest.randomId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The events topic as a consumer reads it (issue 12): every ticket event the scheduler tells on the bus is one
 * CloudEvent 1.0 in structured JSON, from the daemon, about the node, keyed by the ticket, with the step, the pod
 * moves and the reason in its data; a ticket's events keep their order.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CloudEventsPublisherTest {
  static final List<String> TYPES = List.of("accepted", "rejected", "duplicate", "scheduled", "joined", "started",
      "step", "pod", "completed", "failed", "cancelled", "expired");
  static final JsonFormat FORMAT = new JsonFormat();
  /** Longest the topic may show nothing new while events are awaited (see {@link PublisherUnderTest#readUntil}). */
  static final Duration BOUND = Duration.ofSeconds(30);

  @Test
  void every_ticket_event_is_one_structured_cloudevent_1_0_from_the_daemon_about_the_node_keyed_by_its_ticket() {
    try (PublisherUnderTest p = new PublisherUnderTest(TestBroker.bootstrap(), "takeover-7", Map.of())) {
      String ticket = randomId("CHG");
      Instant at = Instant.parse("2026-12-02T01:00:00.123Z");
      for (String type : TYPES) {
        p.tell(new TicketEvent(type, ticket, "kube-node02", at, new JsonObject().put("ticket", ticket)));
      }

      List<ConsumerRecord<String, byte[]>> records = p.read(TYPES.size(), BOUND);
      assertEquals(TYPES.size(), records.size());
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < records.size(); i++) {
        ConsumerRecord<String, byte[]> r = records.get(i);
        assertEquals(ticket, r.key(), "the Kafka key is the ticket id");
        assertEquals("application/cloudevents+json", header(r, "content-type"));
        String raw = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(raw.contains("\"specversion\":\"1.0\""), raw);
        JsonObject json = new JsonObject(Buffer.buffer(r.value()));
        assertEquals("application/json", json.getString("datacontenttype"), raw);
        assertInstanceOf(JsonObject.class, json.getValue("data"), "data is embedded JSON, not base64: " + raw);

        CloudEvent e = FORMAT.deserialize(r.value());
        assertEquals(SpecVersion.V1, e.getSpecVersion());
        assertEquals(URI.create("/takeover/takeover-7"), e.getSource());
        assertEquals("kube-node02", e.getSubject());
        assertEquals("dev.takeover.ticket." + TYPES.get(i), e.getType(), "in the order told");
        assertEquals(at, e.getTime().toInstant());
        assertTrue(ids.add(e.getId()), "ids are unique: " + e.getId() + " twice");
        assertEquals(ticket, data(e).getString("ticket"));
        // A consumer using the SDK's Kafka binding finds the structured mode by the header and reads the same event.
        try (CloudEventDeserializer sdk = new CloudEventDeserializer()) {
          assertEquals(e, sdk.deserialize(r.topic(), r.headers(), r.value()));
        }
      }
    }
  }

  @Test
  void data_carries_the_step_the_pod_moves_with_their_volumes_the_durations_the_blocking_budget_and_the_reason() {
    try (PublisherUnderTest p = new PublisherUnderTest(TestBroker.bootstrap(), "takeover-0", Map.of())) {
      String ticket = randomId("CHG");
      // The engine's own events, as the scheduler passes them on to the ticket's story.
      RunId run = new RunId("run-1", ticket, "kube-node02", "kafka", "alice");
      Instant at = Instant.now();
      PodRef mysql = new PodRef("default", "mysql-0", "uid-old");
      PodMove move = new PodMove(mysql, "uid-new", "kube-node02", "kube-node01",
          List.of(new ClaimBinding("pvc-mysql-0", "pv1")), Duration.ofMillis(4200));
      p.tell("step", ticket, "kube-node02",
          new EngineEvent.StepFinished(run, at, Step.DRAIN, Duration.ofMillis(1500), "1 pod evicted").toJson());
      p.tell("pod", ticket, "kube-node02", new EngineEvent.PodEvictionBlocked(run, at, mysql, "mysql-pdb",
          "Cannot evict pod as it would violate the pod's disruption budget.", 2, Duration.ofSeconds(5)).toJson());
      p.tell("pod", ticket, "kube-node02", new EngineEvent.PodConfirmed(run, at, move).toJson());
      p.tell("completed", ticket, "kube-node02", new EngineEvent.RunFinished(run, at, new Outcome(
          Outcome.Status.SUCCEEDED, "", null, List.of(move), Outcome.NodeState.SCHEDULABLE,
          Duration.ofSeconds(9))).toJson());
      String other = randomId("CHG");
      p.tell("failed", other, "kube-node01", new JsonObject().put("ticket", other)
          .put("reason", "drain timed out after PT10M: default/web-0 kept by finalizer example.com/hold"));

      List<ConsumerRecord<String, byte[]>> records = p.read(5, BOUND);
      List<JsonObject> mine = records.stream().filter(r -> r.key().equals(ticket))
          .map(r -> data(FORMAT.deserialize(r.value()))).toList();
      assertEquals(4, mine.size());

      JsonObject step = mine.get(0);
      assertEquals("drain", step.getString("step"));
      assertEquals(1500L, step.getLong("tookMs"));
      assertEquals(ticket, step.getString("ticket"));

      JsonObject blocked = mine.get(1);
      assertEquals("default/mysql-0", blocked.getString("pod"));
      assertEquals("mysql-pdb", blocked.getString("budget"), "the blocking PodDisruptionBudget");
      assertEquals(5000L, blocked.getLong("retryInMs"));

      JsonObject confirmed = mine.get(2);
      assertMove(confirmed);

      JsonObject completed = mine.get(3);
      assertEquals("succeeded", completed.getString("status"));
      assertEquals(9000L, completed.getLong("tookMs"));
      assertMove(completed.getJsonArray("moves").getJsonObject(0));

      JsonObject failed = records.stream().filter(r -> r.key().equals(other))
          .map(r -> data(FORMAT.deserialize(r.value()))).findFirst().orElseThrow();
      assertEquals("drain timed out after PT10M: default/web-0 kept by finalizer example.com/hold",
          failed.getString("reason"));
    }
  }

  private static void assertMove(JsonObject move) {
    assertEquals("default/mysql-0", move.getString("pod"));
    assertEquals("kube-node02", move.getString("fromNode"), "old node");
    assertEquals("kube-node01", move.getString("toNode"), "new node");
    JsonArray claims = move.getJsonArray("claims");
    assertEquals(new JsonObject().put("claim", "pvc-mysql-0").put("volume", "pv1"), claims.getJsonObject(0),
        "PVC -> PV");
    assertEquals(4200L, move.getLong("timeToReadyMs"));
  }

  @Test
  void each_ticket_s_events_keep_their_order_while_tickets_go_in_parallel_over_the_partitions() {
    try (PublisherUnderTest p = new PublisherUnderTest(TestBroker.bootstrap(), "takeover-0", Map.of())) {
      List<String> tickets = IntStream.range(0, 20).mapToObj(i -> randomId("ord")).toList();
      int each = 15;
      // Interleaved, as the scheduler tells the stories of tickets running side by side.
      for (int n = 0; n < each; n++) {
        for (String t : tickets) {
          p.tell(n == 0 ? "accepted" : "step", t, "kube-node01", new JsonObject().put("ticket", t).put("n", n));
        }
      }

      List<ConsumerRecord<String, byte[]>> records = p.read(tickets.size() * each, BOUND);
      assertEquals(tickets.size() * each, records.size(), "each event once");
      Map<String, List<Integer>> byTicket = new LinkedHashMap<>();
      Set<Integer> partitions = new HashSet<>();
      for (ConsumerRecord<String, byte[]> r : records) {
        byTicket.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(data(FORMAT.deserialize(r.value())).getInteger("n"));
        partitions.add(r.partition());
      }
      List<Integer> inOrder = IntStream.range(0, each).boxed().toList();
      for (String t : tickets) {
        assertEquals(inOrder, byTicket.get(t), "events of " + t);
      }
      assertTrue(partitions.size() > 1, "20 tickets spread over the 3 partitions: " + partitions);
    }
  }

  @Test
  void an_event_naming_no_node_has_no_subject_and_a_message_that_is_no_ticket_event_is_not_published() {
    // A daemon instance name that a URI path must encode (the host name is the default; anything may be set).
    try (PublisherUnderTest p = new PublisherUnderTest(TestBroker.bootstrap(), "pool a", Map.of())) {
      String rejected = "tickets-0@" + randomId("17");
      String marker = randomId("marker");
      p.vertx.eventBus().publish(TicketEvent.ADDRESS, new JsonObject().put("nonsense", true));
      p.vertx.eventBus().publish(TicketEvent.ADDRESS, "not a ticket event");
      p.tell("rejected", rejected, "", new JsonObject().put("code", "not-json").put("reason", "not JSON"));
      p.tell("accepted", marker, "kube-node01", new JsonObject());

      List<ConsumerRecord<String, byte[]>> records = p.readUntil(rs -> rs.size() >= 2, BOUND);
      assertEquals(Set.of(rejected, marker), Set.of(records.get(0).key(), records.get(1).key()), "nothing else");
      assertEquals(2, records.size());
      ConsumerRecord<String, byte[]> r = records.stream().filter(x -> x.key().equals(rejected)).findFirst().orElseThrow();
      CloudEvent e = FORMAT.deserialize(r.value());
      assertNull(e.getSubject());
      assertFalse(new String(r.value(), StandardCharsets.UTF_8).contains("\"subject\""));
      assertEquals("not-json", data(e).getString("code"));
      assertEquals(URI.create("/takeover/pool%20a"), e.getSource());
    }
  }

  @Test
  void a_stop_publishes_what_was_told_before_it_then_closes() {
    try (PublisherUnderTest p = new PublisherUnderTest(TestBroker.bootstrap(), "takeover-0", Map.of())) {
      List<String> tickets = IntStream.range(0, 3).mapToObj(i -> randomId("stop")).toList();
      int each = 100;
      for (int n = 0; n < each; n++) {
        for (String t : tickets) {
          p.tell("step", t, "kube-node01", new JsonObject().put("n", n));
        }
      }
      p.undeploy();

      List<ConsumerRecord<String, byte[]>> records = p.read(tickets.size() * each, BOUND);
      assertEquals(tickets.size() * each, records.size());
    }
  }

  static JsonObject data(CloudEvent e) {
    return e.getData() == null ? new JsonObject() : new JsonObject(Buffer.buffer(e.getData().toBytes()));
  }

  static String header(ConsumerRecord<String, byte[]> r, String name) {
    org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
