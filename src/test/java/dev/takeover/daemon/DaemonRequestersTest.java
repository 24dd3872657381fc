package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.cancel;
import static dev.takeover.daemon.SeedScene.cordoned;
import static dev.takeover.daemon.SeedScene.engine;
import static dev.takeover.daemon.SeedScene.ticket;
import static dev.takeover.daemon.SeedScene.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancels, several requesters on one node, and the limits, through the running daemon (at most one node in
 * maintenance). A PodDisruptionBudget on mysql-0 keeps a run in its drain for as long as a test needs; the tests
 * move mysql-0 between the workers, so each asks where it runs now, and each leaves every node schedulable.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRequestersTest {
  static final Duration BOUND = Duration.ofSeconds(60);
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

  @AfterEach
  void noBudgetLeft() {
    if (cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").withName(SeedScene.BUDGET).get() != null) {
      SeedScene.unblock(cluster);
    }
  }

  /** The types of a ticket's events, and the reason of the last: what a failure message needs. */
  static String story(List<CloudEvent> events) {
    return types(events) + (events.isEmpty() ? "" : ": " + data(events.get(events.size() - 1)).getString("reason"));
  }

  @Test
  void a_ticket_cancelled_before_its_window_never_starts_and_its_node_is_never_cordoned() {
    String node = SeedScene.mysqlNode(cluster);
    String id = TestBroker.unique("early");
    // Far enough ahead that the cancel arrives first even on a busy machine.
    Instant start = Instant.now().plusSeconds(6);
    try (SeedScene.CordonWatch watch = new SeedScene.CordonWatch(cluster, node)) {
      d.publish(node, ticket(id, "takeover", node, "alice", SeedScene.windowFrom(start)));
      d.awaitEvent(id, type("scheduled"), BOUND);
      String cancel = TestBroker.unique("cancel");
      d.publish(node, cancel(cancel, id, node, "alice"));

      List<CloudEvent> cancelled = d.awaitEvent(id, type("cancelled"), BOUND);
      assertTrue(data(cancelled.get(cancelled.size() - 1)).getString("reason").contains("cancelled by ticket " + cancel));
      assertEquals("completed", types(d.awaitEvent(cancel, type("completed"), BOUND)).get(1));
      // A plan whose window opens after the cancelled one's: once it has run, the cancelled one had its chance.
      String after = TestBroker.unique("after");
      d.publish(node, ticket(after, "plan", node, "alice", SeedScene.windowFrom(start.plusSeconds(1))));
      d.awaitEvent(after, type("completed"), BOUND);

      List<String> story = types(d.of(id));
      assertEquals(List.of("accepted", "scheduled", "cancelled"), story);
      assertFalse(watch.everCordoned(), "cordon states seen: " + watch.seen);
      assertTrue(SeedScene.record(cluster, node).isEmpty(), SeedScene.record(cluster, node).toString());
    }
  }

  @Test
  void a_run_cancelled_in_its_drain_stops_at_a_safe_point_and_the_node_is_uncordoned_as_the_policy_says() {
    String node = SeedScene.mysqlNode(cluster);
    String uid = SeedScene.mysql(cluster).getMetadata().getUid();
    SeedScene.blockEviction(cluster);
    String id = TestBroker.unique("run");
    d.publish(node, ticket(id, "takeover", node, "alice", ""));
    d.awaitEvent(id, engine("takeover.pod.eviction-blocked"), BOUND);
    assertTrue(cordoned(cluster, node), "the drain is under way on a cordoned node");

    String cancel = TestBroker.unique("cancel");
    d.publish(node, cancel(cancel, id, node, "alice"));

    List<CloudEvent> events = d.awaitEvent(id, type("cancelled").or(type("completed")).or(type("failed")), BOUND);
    CloudEvent last = events.get(events.size() - 1);
    assertEquals("dev.takeover.ticket.cancelled", last.getType(), types(events).toString());
    assertTrue(data(last).getString("reason").contains("uncordoned (failure policy uncordon)"), data(last).getString("reason"));
    assertEquals("schedulable", data(last).getString("nodeLeft"));
    assertTrue(d.awaitEvent(cancel, type("completed"), BOUND).stream().anyMatch(type("completed")));
    assertFalse(cordoned(cluster, node));
    assertTrue(SeedScene.record(cluster, node).isEmpty(), SeedScene.record(cluster, node).toString());
    assertEquals(uid, SeedScene.mysql(cluster).getMetadata().getUid(), "mysql-0 was never evicted");
    assertTrue(events.stream().noneMatch(engine("takeover.pod.evicted")));
  }

  @Test
  void a_second_requester_joins_the_maintenance_hears_it_and_the_node_is_uncordoned_after_the_last_release() {
    String node = SeedScene.mysqlNode(cluster);
    SeedScene.blockEviction(cluster);
    String alice = TestBroker.unique("alice");
    String bob = TestBroker.unique("bob");
    d.publish(node, ticket(alice, "drain", node, "alice", ""));
    d.awaitEvent(alice, engine("takeover.pod.eviction-blocked"), BOUND);
    d.publish(node, ticket(bob, "drain", node, "bob", ""));
    CloudEvent joined = d.awaitEvent(bob, type("joined"), BOUND).stream().filter(type("joined")).findFirst().orElseThrow();
    assertEquals(alice, data(joined).getString("joined"));

    SeedScene.unblock(cluster);
    List<CloudEvent> alices = d.awaitEvent(alice, type("completed").or(type("failed")), BOUND);
    List<CloudEvent> bobs = d.awaitEvent(bob, type("completed").or(type("failed")), BOUND);

    assertEquals("completed", types(alices).get(alices.size() - 1), story(alices));
    assertEquals("completed", types(bobs).get(bobs.size() - 1), story(bobs));
    // Bob hears the run from the moment he joined: its steps and its pods, as alice does.
    assertTrue(bobs.stream().anyMatch(engine("takeover.pod.confirmed")), types(bobs).toString());
    assertTrue(bobs.stream().anyMatch(engine("takeover.step.finished").and(e -> "confirm".equals(data(e).getString("step")))));
    assertFalse(node.equals(SeedScene.mysqlNode(cluster)), "mysql-0 moved");
    assertTrue(cordoned(cluster, node), "a drain keeps the node cordoned");

    String first = TestBroker.unique("release");
    d.publish(node, ticket(first, "release", node, "alice", ""));
    List<CloudEvent> released = d.awaitEvent(first, type("completed").or(type("failed")), BOUND);
    assertEquals("completed", types(released).get(released.size() - 1));
    assertTrue(data(released.get(released.size() - 1)).getString("reason").contains("still held by " + bob + " (bob)"));
    assertTrue(cordoned(cluster, node), "bob still holds the node");

    String last = TestBroker.unique("release");
    d.publish(node, ticket(last, "release", node, "bob", ""));
    List<CloudEvent> uncordoned = d.awaitEvent(last, type("completed").or(type("failed")), BOUND);
    assertEquals("completed", types(uncordoned).get(uncordoned.size() - 1), story(uncordoned));
    assertFalse(cordoned(cluster, node), "the last release uncordons");
    assertTrue(SeedScene.record(cluster, node).isEmpty(), SeedScene.record(cluster, node).toString());
  }

  @Test
  void a_requester_who_joined_and_was_cancelled_no_longer_keeps_the_node_cordoned() {
    String node = SeedScene.mysqlNode(cluster);
    SeedScene.blockEviction(cluster);
    String alice = TestBroker.unique("alice");
    String bob = TestBroker.unique("bob");
    d.publish(node, ticket(alice, "takeover", node, "alice", ""));
    d.awaitEvent(alice, engine("takeover.pod.eviction-blocked"), BOUND);
    d.publish(node, ticket(bob, "drain", node, "bob", ""));
    d.awaitEvent(bob, type("joined"), BOUND);
    d.publish(node, cancel(TestBroker.unique("cancel"), bob, node, "bob"));
    d.awaitEvent(bob, type("cancelled"), BOUND);

    SeedScene.unblock(cluster);
    List<CloudEvent> events = d.awaitEvent(alice, type("completed").or(type("failed")), BOUND);

    CloudEvent last = events.get(events.size() - 1);
    assertEquals("dev.takeover.ticket.completed", last.getType(), types(events).toString());
    assertEquals("schedulable", data(last).getString("nodeLeft"), data(last).encode());
    assertFalse(cordoned(cluster, node));
  }

  @Test
  void with_one_node_at_a_time_a_ticket_for_another_node_waits_with_the_reason_and_runs_after_the_first() {
    String first = SeedScene.mysqlNode(cluster);
    String second = SeedScene.otherWorker(cluster);
    SeedScene.blockEviction(cluster);
    String a = TestBroker.unique("first");
    String b = TestBroker.unique("second");
    d.publish(first, ticket(a, "takeover", first, "alice", ""));
    d.awaitEvent(a, engine("takeover.pod.eviction-blocked"), BOUND);
    d.publish(second, ticket(b, "takeover", second, "bob", ""));

    List<CloudEvent> waiting = d.awaitEvent(b, type("scheduled"), BOUND);
    String reason = data(waiting.get(waiting.size() - 1)).getString("reason");
    assertTrue(reason.contains(first) && reason.contains("at most 1 at once"), reason);
    assertFalse(cordoned(cluster, second));

    SeedScene.unblock(cluster);
    List<CloudEvent> as = d.awaitEvent(a, type("completed").or(type("failed")), BOUND);
    List<CloudEvent> bs = d.awaitEvent(b, type("completed").or(type("failed")), BOUND);
    assertEquals("completed", types(as).get(as.size() - 1), story(as));
    assertEquals("completed", types(bs).get(bs.size() - 1), story(bs));
    assertFalse(when(bs, "started").isBefore(when(as, "completed")), "the second started after the first ended");
    assertFalse(cordoned(cluster, first) || cordoned(cluster, second));
  }

  @Test
  void tickets_for_one_node_run_in_the_order_they_came() {
    String node = SeedScene.mysqlNode(cluster);
    String a = TestBroker.unique("first");
    String b = TestBroker.unique("then");
    d.publish(node, ticket(a, "takeover", node, "alice", SeedScene.windowFrom(Instant.now().plusSeconds(2))));
    d.publish(node, ticket(b, "plan", node, "bob", ""));

    List<CloudEvent> bs = d.awaitEvent(b, type("completed").or(type("failed")), BOUND);
    List<CloudEvent> as = d.awaitEvent(a, type("completed").or(type("failed")), BOUND);

    assertEquals("completed", types(as).get(as.size() - 1), story(as));
    assertEquals("completed", types(bs).get(bs.size() - 1), "the plan ran after the takeover: " + types(bs));
    // Before the window: an earlier ticket goes first; once the takeover runs: its run goes first.
    assertEquals("scheduled", types(bs).get(1), types(bs).toString());
    assertTrue(data(bs.get(1)).getString("reason").endsWith(" goes first"), data(bs.get(1)).encode());
    assertFalse(when(bs, "started").isBefore(when(as, "completed")), "the plan waited for the takeover");
  }
}
