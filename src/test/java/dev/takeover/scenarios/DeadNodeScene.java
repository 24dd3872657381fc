package dev.takeover.scenarios;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.PodMove;
import dev.takeover.sim.Await;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The seed's mysql on a node that dies, for the scenarios of a control plane that lets go at Kubernetes' pace. */
final class DeadNodeScene {
  static final String DEAD = DeadNodeRecoveryTest.DEAD;
  static final String OTHER = DeadNodeRecoveryTest.OTHER;
  static final RecoveryConfig MANUAL = DeadNodeRecoveryTest.MANUAL;

  private DeadNodeScene() {}

  /** The seed's mysql (one replica, pvc-mysql-0 pre-bound) on the node that will die; its volume's name. */
  static String mysqlOnDead(Scene s, boolean csi) {
    String pv = s.volumeName(csi ? "ebs1" : "pv1");
    (csi ? s.csiVolume(pv, "1Gi", "pvc-mysql-0") : s.volume(pv, "1Gi", "pvc-mysql-0", null))
        .headlessService("mysql", "mysql-sts", 3306)
        .placedOn(DEAD, 1, () -> s.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
    return pv;
  }

  static void stopAndAwaitDown(Clusters.Simulated sim, String ns) {
    sim.sim.stopNode(DEAD);
    Await.await(DEAD + " NotReady", Duration.ofSeconds(20),
        () -> !DeadNodeRecoveryTest.ready(sim.client().nodes().withName(DEAD).get()));
    Await.await("mysql-0 still bound to " + DEAD, Duration.ofSeconds(5),
        () -> DEAD.equals(sim.client().pods().inNamespace(ns).withName("mysql-0").get().getSpec().getNodeName()));
  }

  static Ticket recover() {
    return Ticket.recover(DEAD, true, "test", "alice", "the node stopped answering");
  }

  static String taintSummary(EngineHarness.Result r) {
    return r.ofType("takeover.step.finished").stream().filter(e -> "taint".equals(e.getString("step")))
        .findFirst().orElseThrow().getString("summary");
  }

  /** The position in the run's events of the first of that type whose message starts so; -1 when none. */
  static int indexOf(EngineHarness.Result r, String type, String messageStart) {
    for (int i = 0; i < r.events().size(); i++) {
      JsonObject e = r.events().get(i);
      if (type.equals(e.getString("type")) && e.getString("message", "").startsWith(messageStart)) {
        return i;
      }
    }
    return -1;
  }

  /** mysql-0 Ready on the other node with pvc-mysql-0 → its volume, made again exactly once. */
  static void assertMovedOnce(EngineHarness.Result r, Incarnations mysql, String pv) {
    PodMove move = r.outcome().moves().get(0);
    assertEquals(OTHER, move.toNode());
    assertEquals("pvc-mysql-0", move.claims().get(0).claim());
    assertEquals(pv, move.claims().get(0).volume());
    assertEquals(Set.of(move.pod().uid(), move.newUid()), mysql.uids(), "the old mysql-0 and one new one, no other");
  }

  /** Every uid mysql-0 has had since this was opened, from a watch of that one name. */
  static final class Incarnations implements AutoCloseable {
    private final Set<String> uids = ConcurrentHashMap.newKeySet();
    private final Watch watch;

    Incarnations(Clusters.Simulated sim, String ns) {
      Pod now = sim.client().pods().inNamespace(ns).withName("mysql-0").get();
      assertNotNull(now);
      uids.add(now.getMetadata().getUid());
      watch = sim.client().pods().inNamespace(ns).withName("mysql-0").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Pod pod) {
          uids.add(pod.getMetadata().getUid());
        }

        @Override
        public void onClose(WatcherException cause) {
          // the test's end closes it; a broken watch shows as a missing uid
        }
      });
    }

    Set<String> uids() {
      return Set.copyOf(uids);
    }

    @Override
    public void close() {
      watch.close();
    }
  }
}
