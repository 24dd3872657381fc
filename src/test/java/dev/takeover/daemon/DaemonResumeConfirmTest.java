package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.cordoned;
import static dev.takeover.daemon.SeedScene.engine;
import static dev.takeover.daemon.SeedScene.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A daemon stopped after its run evicted mysql-0, while the run waits for it to be Ready on the other node: the
 * restarted daemon's run no longer finds mysql-0 on the node, and must still confirm it moved with its volume
 * before it uncordons. The simulated kubelets take seconds to start a pod here, so the stop always comes in the
 * confirm wait.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonResumeConfirmTest {
  static final Duration BOUND = Duration.ofSeconds(60);
  /** From the new mysql-0 bound to its node to Ready: the window in which the test stops the first daemon. */
  static final Duration POD_START = Duration.ofSeconds(4);
  static SimulatedCluster cluster;

  @BeforeAll
  static void start() {
    cluster = Seed.cluster(new SimTiming(POD_START, Duration.ofMillis(20)));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void a_daemon_stopped_after_mysql_0_was_evicted_confirms_it_moved_with_its_volume_after_the_restart_before_the_uncordon() {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("resume"), 1);
    String node = SeedScene.mysqlNode(cluster);
    String to = SeedScene.otherWorker(cluster);
    String uid = SeedScene.mysql(cluster).getMetadata().getUid();
    String id = TestBroker.unique("evicted");
    DaemonUnderTest first = new DaemonUnderTest(cluster, config);
    try {
      first.publish(node, ticket(id, "takeover", node, "alice", ""));
      List<CloudEvent> seen = first.awaitEvent(id, engine("takeover.pod.evicted"), BOUND);
      first.stopDaemon();
      seen = first.of(id);
      assertTrue(seen.stream().noneMatch(engine("takeover.pod.confirmed")), "stopped before the confirm: " + types(seen));
    } finally {
      first.close();
    }
    assertTrue(cordoned(cluster, node), "cut off before the uncordon");

    try (DaemonUnderTest second = new DaemonUnderTest(cluster, config)) {
      List<CloudEvent> events = second.awaitEvent(id, type("completed").or(type("failed")).or(type("cancelled")), BOUND);

      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types + ": " + data(events.get(events.size() - 1)));
      assertEquals(1, types.stream().filter(t -> t.equals("completed") || t.equals("failed")).count(), types.toString());
      int resumed = indexOf(events, e -> type("started").test(e) && data(e).getBoolean("resumed", false));
      int confirmedAt = indexOf(events, engine("takeover.pod.confirmed"));
      int uncordonAt = indexOf(events, e -> engine("takeover.step.started").test(e)
          && "uncordon".equals(data(e).getString("step")));
      assertTrue(resumed >= 0 && confirmedAt > resumed, "confirmed by the resumed run: " + types);
      assertTrue(uncordonAt > confirmedAt, "uncordoned only after mysql-0 was confirmed: " + types);
      assertEquals(1, events.stream().filter(engine("takeover.pod.evicted")).count(), "mysql-0 evicted once");
      assertEquals(1, events.stream().filter(engine("takeover.pod.confirmed")).count(), "confirmed once");

      JsonObject confirmed = data(events.get(confirmedAt));
      assertEquals("default/mysql-0", confirmed.getString("pod"));
      assertEquals(uid, confirmed.getString("oldUid"));
      assertEquals(SeedScene.mysql(cluster).getMetadata().getUid(), confirmed.getString("newUid"));
      assertEquals(node, confirmed.getString("fromNode"));
      assertEquals(to, confirmed.getString("toNode"));
      assertEquals(new JsonArray().add(new JsonObject().put("claim", "pvc-mysql-0").put("volume", "pv1")),
          confirmed.getJsonArray("claims"));
      JsonArray moves = data(events.get(events.size() - 1)).getJsonArray("moves");
      assertEquals(1, moves == null ? 0 : moves.size(), "the outcome's moves: " + data(events.get(events.size() - 1)));
      assertFalse(cordoned(cluster, node));
    }
  }

  private static int indexOf(List<CloudEvent> events, java.util.function.Predicate<CloudEvent> p) {
    for (int i = 0; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
