package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.header;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tickets through the running daemon, on a real broker: bad records reach the dead letters with their code and
 * never block what follows; duplicates; windows honoured and expired; plans (dry runs) keep the cluster unchanged.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonTicketsTest {
  static SimulatedCluster cluster;
  static DaemonUnderTest d;

  @BeforeAll
  static void start() {
    cluster = Seed.cluster(SimTiming.fast());
    d = new DaemonUnderTest(cluster, 1);
  }

  @AfterAll
  static void stop() {
    d.close();
    cluster.close();
  }

  static String plan(String id, String node, String extra) {
    return "{\"id\":\"" + id + "\",\"action\":\"plan\",\"node\":\"" + node + "\"" + extra + "}";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void bad_records_go_to_the_dead_letters_unchanged_with_a_code_and_the_next_ticket_still_runs() {
    record Bad(String key, byte[] value, String code) {}
    byte[] random = new byte[300];
    new Random(7).nextBytes(random);
    String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
    List<Bad> bad = List.of(
        new Bad("kube-node01", random, "not-json"),
        new Bad("kube-node01", new byte[0], "not-json"),
        new Bad("kube-node01", null, "not-json"),
        new Bad("kube-node01", ("{\"id\":\"big\",\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8), "too-large"),
        new Bad("kube-node01", deep.getBytes(StandardCharsets.UTF_8), "too-deep"),
        new Bad("kube-node01", "{\"id\":\"bad-1\",\"action\":\"reboot\",\"node\":\"kube-node01\"}".getBytes(StandardCharsets.UTF_8), "schema"),
        new Bad("kube-node01", plan("bad-2", "kube-node02", "").getBytes(StandardCharsets.UTF_8), "key-mismatch"),
        new Bad("kube-node99", plan("bad-3", "kube-node99", "").getBytes(StandardCharsets.UTF_8), "unknown-node"),
        new Bad("kube-master", plan("bad-4", "kube-master", "").getBytes(StandardCharsets.UTF_8), "control-plane"),
        new Bad("kube-node01", plan("bad-5", "kube-node01", ",\"window\":{\"end\":\"2020-01-01T00:00:00Z\"}")
            .getBytes(StandardCharsets.UTF_8), "window-over"),
        new Bad("kube-node01", utf8(" \n\t "), "not-json"),
        new Bad("kube-node01", plan("bad-6", "kube-node01", "").getBytes(StandardCharsets.UTF_16LE), "not-json"),
        new Bad("kube-node01", utf8("[" + plan("bad-7", "kube-node01", "") + "]"), "not-json"),
        new Bad("kube-node01", utf8("\"bad-8\""), "not-json"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-9\",\"action\":"), "not-json"),
        new Bad("kube-node01", utf8(plan("bad-10", "kube-node01", "") + "{}"), "not-json"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-11\",\"id\":\"bad-12\",\"action\":\"plan\",\"node\":\"kube-node01\"}"), "not-json"),
        new Bad("kube-node01", utf8("{\"id\":1042,\"action\":\"plan\",\"node\":\"kube-node01\"}"), "schema"),
        new Bad("kube-node01", utf8(plan("bad-13", "kube-node01", ",\"dryRun\":\"yes\"")), "schema"),
        new Bad("kube-node01", utf8(plan("bad-14", "kube-node01", ",\"options\":{\"drainTimeout\":600}")), "schema"),
        new Bad("kube-node01", utf8(plan("bad-15", "kube-node01", ",\"options\":{\"drainTimeout\":\"10m\"}")), "schema"),
        new Bad("kube-node01", utf8("{\"action\":\"plan\",\"node\":\"kube-node01\"}"), "schema"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-16\",\"action\":\"plan\"}"), "schema"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-17\",\"node\":\"kube-node01\"}"), "schema"),
        new Bad("Kube_Node01", utf8(plan("bad-18", "Kube_Node01", "")), "schema"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-19\",\"action\":\"cancel\",\"node\":\"kube-node01\"}"), "schema"),
        new Bad("kube-node01", utf8(plan("bad-20", "kube-node01",
            ",\"window\":{\"start\":\"2030-01-02T00:00:00Z\",\"end\":\"2030-01-01T00:00:00Z\"}")), "schema"),
        new Bad("kube-node01", utf8(plan("bad-21", "kube-node01", ",\"window\":{\"start\":\"tomorrow 1am\"}")), "schema"),
        new Bad("kube-node01", utf8(plan("bad 22", "kube-node01", "")), "schema"),
        new Bad("kube-node01", utf8("{\"id\":\"bad-23\",\"action\":\"cancel\",\"node\":\"kube-node01\",\"target\":\"never-seen\"}"),
            "unknown-target"));
    for (Bad b : bad) {
      d.publish(b.key(), b.value());
    }
    d.publish("kube-node01", plan("after-bad", "kube-node01", ""));

    List<CloudEvent> after = d.awaitEvent("after-bad", type("completed"), Duration.ofSeconds(60));
    assertEquals("accepted", types(after).get(0));

    // Other tests of this class dead-letter too, and records of other keys may come in another order.
    List<ConsumerRecord<String, byte[]>> letters = d.deadLetters(bad.size(), Duration.ofSeconds(30));
    for (Bad b : bad) {
      ConsumerRecord<String, byte[]> r = letters.stream()
          .filter(x -> java.util.Arrays.equals(b.value(), x.value()) && b.key().equals(x.key())).findFirst()
          .orElseThrow(() -> new AssertionError("no dead letter for the " + b.code() + " record"));
      assertEquals(b.code(), header(r, "takeover.error"));
      String reason = header(r, "takeover.reason");
      assertFalse(reason.isBlank() || reason.contains("\n") || reason.contains("Exception"), reason);
      if (b.code().equals("schema")) {
        assertTrue(reason.startsWith("/"), "a schema error names the field: " + reason);
      }
    }
  }

  @Test
  void the_same_ticket_twice_runs_once_and_the_same_id_with_other_content_is_a_dead_letter() {
    String id = TestBroker.unique("dup");
    d.publish("kube-node01", plan(id, "kube-node01", ",\"reason\":\"first\""));
    d.awaitEvent(id, type("completed"), Duration.ofSeconds(60));
    d.publish("kube-node01", plan(id, "kube-node01", ",\"reason\":\"first\",\"unknown\":1"));
    d.publish("kube-node01", plan(id, "kube-node01", ",\"reason\":\"changed\""));

    List<CloudEvent> events = d.awaitEvent(id, type("rejected"), Duration.ofSeconds(60));
    List<String> types = types(events);
    assertEquals(1, types.stream().filter("started"::equals).count(), types.toString());
    assertEquals(1, types.stream().filter("duplicate"::equals).count(), types.toString());
    assertEquals("duplicate-conflict", data(events.get(events.size() - 1)).getString("code"));
  }

  @Test
  void a_window_ahead_is_not_started_early_and_a_ticket_that_cannot_start_in_its_window_expires() {
    Instant start = Instant.now().plusSeconds(3);
    String early = TestBroker.unique("win");
    String blocked = TestBroker.unique("exp");
    d.publish("kube-node01", plan(early, "kube-node01", ",\"window\":{\"start\":\"" + start + "\"}"));
    // Behind the first in the node's order, with a window that ends before the first may start.
    d.publish("kube-node01", plan(blocked, "kube-node01", ",\"window\":{\"end\":\"" + start.minusSeconds(1) + "\"}"));

    List<CloudEvent> waited = d.awaitEvent(early, type("completed"), Duration.ofSeconds(60));
    assertEquals(List.of("accepted", "scheduled", "started"), types(waited).subList(0, 3));
    CloudEvent started = waited.stream().filter(type("started")).findFirst().orElseThrow();
    assertFalse(started.getTime().toInstant().isBefore(start), "started at " + started.getTime() + ", window " + start);

    List<CloudEvent> expired = d.awaitEvent(blocked, type("expired"), Duration.ofSeconds(30));
    assertFalse(types(expired).contains("started"), types(expired).toString());
  }
}
