package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.engine;
import static dev.takeover.daemon.SeedScene.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run whose node Lease cannot be renewed for a while (the API server answers 503 to those requests only, as an
 * overloaded one can) stops writing on the node, as it must: after two thirds of the Lease nobody may count on it.
 * But nobody else took the node, and the daemon still leads: the run is interrupted, not failed, and the daemon
 * resumes it, the same run, once the pause is over. Before, the ticket ended failed for good.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonLeaseLossTest {
  static final Duration BOUND = Duration.ofSeconds(60);
  /** The node's guard Lease: its renewals fail for 2 s, and the pause before the resumption is as long. */
  static final Duration NODE_LEASE = Duration.ofSeconds(3);

  final AtomicBoolean cut = new AtomicBoolean();
  SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      if (cut.get() && request.getPath().contains("/namespaces/kube-node-lease/leases")) {
        return dev.takeover.sim.api.Statuses.unavailable();
      }
      return null;
    }).start();
    Seed.apply(cluster);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void a_run_cut_off_from_its_node_lease_is_interrupted_then_resumed_by_the_leader_and_completes() {
    String node = SeedScene.mysqlNode(cluster);
    String uid = SeedScene.mysql(cluster).getMetadata().getUid();
    String id = TestBroker.unique("cut");
    SeedScene.blockEviction(cluster);
    DaemonConfig c = DaemonUnderTest.config(TestBroker.unique("lease-loss"), 1);
    try (DaemonUnderTest d = new DaemonUnderTest(cluster, c.withEngine(c.engine().withNodeLease(NODE_LEASE)))) {
      d.publish(node, ticket(id, "takeover", node, "alice", ""));
      List<CloudEvent> blocked = d.awaitEvent(id, engine("takeover.pod.eviction-blocked"), BOUND);
      String run = data(blocked.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");

      cut.set(true);
      List<CloudEvent> cutOff = d.awaitEvent(id, engine("takeover.run.interrupted"), BOUND);
      cut.set(false);
      CloudEvent interrupted = cutOff.stream().filter(engine("takeover.run.interrupted")).findFirst().orElseThrow();
      assertEquals("step", types(List.of(interrupted)).get(0), "told as a step of the ticket, not its end");
      assertTrue(data(interrupted).getString("reason").contains("Lease"), data(interrupted).encode());
      assertTrue(SeedScene.cordoned(cluster, node), "the node stays as the run left it, cordoned");
      assertEquals(run, SeedScene.record(cluster, node).get("takeover.dev/run"), "and keeps the run's record");
      dev.takeover.sim.Await.await("a TakeoverInterrupted Event on " + node, BOUND, () -> cluster.client().v1().events()
          .inAnyNamespace().list().getItems().stream().anyMatch(e -> "TakeoverInterrupted".equals(e.getReason())
              && node.equals(e.getInvolvedObject().getName()) && e.getMessage().contains(run)));

      d.awaitEvent(id, type("started").and(e -> data(e).getBoolean("resumed", false)), BOUND);
      SeedScene.unblock(cluster);
      List<CloudEvent> events = d.awaitEvent(id, type("completed").or(type("failed")).or(type("cancelled")), BOUND);

      List<String> seen = types(events);
      assertEquals("completed", seen.get(seen.size() - 1), seen + ": " + data(events.get(events.size() - 1)));
      assertEquals(List.of(run, run), events.stream().filter(type("started")).map(e -> data(e).getString("run"))
          .toList(), "the same run resumed, not a second one");
      assertEquals(1, events.stream().filter(engine("takeover.pod.evicted")).count(), "mysql-0 evicted once");
      assertNotEquals(uid, SeedScene.mysql(cluster).getMetadata().getUid());
      assertNotEquals(node, SeedScene.mysqlNode(cluster));
      assertTrue(!SeedScene.cordoned(cluster, node), "uncordoned at the end");
    } finally {
      cut.set(false);
    }
  }
}
