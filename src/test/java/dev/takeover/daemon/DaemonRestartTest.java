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
import java.util.function.Consumer;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.cordoned;
import static dev.takeover.daemon.SeedScene.engine;
import static dev.takeover.daemon.SeedScene.ticket;
import static dev.takeover.daemon.SeedScene.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A daemon stopped (or killed) and started again with the same settings, as a restart: the new instance rebuilds
 * its schedule from the state topic, resumes the run that was cut off (the same run, not a new one) and starts a
 * waiting ticket in its window, each exactly once. A PodDisruptionBudget keeps the run in its drain across the stop.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRestartTest {
  static final Duration BOUND = Duration.ofSeconds(60);
  static SimulatedCluster cluster;

  @BeforeAll
  static void start() {
    cluster = Seed.cluster(SimTiming.fast());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void noBudgetLeft() {
    if (cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").withName(SeedScene.BUDGET).get() != null) {
      SeedScene.unblock(cluster);
    }
  }

  @Test
  void a_daemon_stopped_during_a_drain_resumes_the_same_run_after_the_restart_and_finishes_it_once() {
    runCutOffAndResumed(DaemonUnderTest::stopDaemon); // then the process exits (close)
  }

  @Test
  void a_daemon_killed_during_a_drain_resumes_the_same_run_after_the_restart_and_finishes_it_once() {
    runCutOffAndResumed(DaemonUnderTest::kill);
  }

  @Test
  void a_ticket_waiting_for_its_window_when_the_daemon_stops_is_started_on_time_by_the_next_one_and_once() {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("restart"), 1);
    String node = SeedScene.otherWorker(cluster);
    String id = TestBroker.unique("window");
    Instant start;
    DaemonUnderTest first = new DaemonUnderTest(cluster, config);
    try {
      start = Instant.now().plusSeconds(8);
      first.publish(node, ticket(id, "takeover", node, "alice", SeedScene.windowFrom(start)));
      List<CloudEvent> waiting = first.awaitEvent(id, type("scheduled"), BOUND);
      assertTrue(data(waiting.get(waiting.size() - 1)).getString("reason").startsWith("its window opens"));
      first.stopDaemon();
      assertTrue(Instant.now().isBefore(start), "the daemon stopped before the window opened");
    } finally {
      first.close();
    }

    try (DaemonUnderTest second = new DaemonUnderTest(cluster, config)) {
      Instant up = Instant.now();
      List<CloudEvent> events = second.awaitEvent(id, type("completed").or(type("failed")), BOUND);

      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types.toString());
      assertEquals(1, types.stream().filter("accepted"::equals).count(), types.toString());
      assertEquals(1, types.stream().filter("started"::equals).count(), types.toString());
      Instant started = when(events, "started");
      assertFalse(started.isBefore(start), "started at " + started + ", the window opens at " + start);
      // On time: as soon as the window opened, or as soon as the new daemon was up if it came up later.
      Instant allowed = up.isAfter(start) ? up : start;
      assertTrue(started.isBefore(allowed.plusSeconds(5)), "started at " + started + ", allowed from " + allowed);
      assertFalse(cordoned(cluster, node));
    }
  }

  /** A takeover whose drain is blocked, cut off by {@code end}, then resumed by a second daemon and let go. */
  private void runCutOffAndResumed(Consumer<DaemonUnderTest> end) {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("restart"), 1);
    String node = SeedScene.mysqlNode(cluster);
    String uid = SeedScene.mysql(cluster).getMetadata().getUid();
    String id = TestBroker.unique("cut");
    SeedScene.blockEviction(cluster);
    String run;
    DaemonUnderTest first = new DaemonUnderTest(cluster, config);
    try {
      first.publish(node, ticket(id, "takeover", node, "alice", ""));
      List<CloudEvent> blocked = first.awaitEvent(id, engine("takeover.pod.eviction-blocked"), BOUND);
      run = data(blocked.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
      end.accept(first);
    } finally {
      first.close();
    }
    // Cut off in its drain: the node stays cordoned and says which run is working on it.
    assertTrue(cordoned(cluster, node));
    assertEquals(run, SeedScene.record(cluster, node).get("takeover.dev/run"));

    try (DaemonUnderTest second = new DaemonUnderTest(cluster, config)) {
      second.awaitEvent(id, type("started").and(e -> data(e).getBoolean("resumed", false)), BOUND);
      SeedScene.unblock(cluster);
      List<CloudEvent> events = second.awaitEvent(id, type("completed").or(type("failed")).or(type("cancelled")), BOUND);

      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types + ": " + data(events.get(events.size() - 1)));
      assertEquals(1, types.stream().filter("accepted"::equals).count(), types.toString());
      assertEquals(1, types.stream().filter(t -> t.equals("completed") || t.equals("failed")).count(), types.toString());
      List<CloudEvent> starts = events.stream().filter(type("started")).toList();
      assertEquals(List.of(false, true), starts.stream().map(e -> data(e).getBoolean("resumed", false)).toList());
      assertEquals(List.of(run, run), starts.stream().map(e -> data(e).getString("run")).toList(),
          "the same run resumed, not a new one");
      assertEquals(1, events.stream().filter(engine("takeover.pod.evicted")).count(), "mysql-0 evicted once");
      assertNotEquals(uid, SeedScene.mysql(cluster).getMetadata().getUid());
      assertNotEquals(node, SeedScene.mysqlNode(cluster));
      assertFalse(cordoned(cluster, node));
      assertTrue(SeedScene.record(cluster, node).isEmpty(), SeedScene.record(cluster, node).toString());
    }
  }
}
