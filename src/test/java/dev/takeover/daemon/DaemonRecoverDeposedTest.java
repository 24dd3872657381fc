package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.RecoverScene.A;
import static dev.takeover.daemon.RecoverScene.BOUND;
import static dev.takeover.daemon.RecoverScene.NODE;
import static dev.takeover.daemon.RecoverScene.OTHER;
import static dev.takeover.daemon.RecoverScene.replica;
import static dev.takeover.daemon.RecoverScene.stepStarted;
import static dev.takeover.daemon.SeedScene.engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader that stays alive but loses its election (the API server answers 503 to its Lease requests) while its
 * recovery waits in confirm: its run halts, but a wait is no safe point, so the run goes on waiting in the deposed
 * replica. When the replacement turns Ready there, the deposed replica must write nothing more on the node: the
 * node's list of pods to confirm is the heir's to read, and the heir confirms mysql-0 itself.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRecoverDeposedTest {
  RecoverScene scene;

  @BeforeEach
  void start() {
    scene = new RecoverScene();
  }

  @AfterEach
  void stop() {
    scene.close();
  }

  @Test
  void a_leader_deposed_while_its_recovery_waits_in_confirm_writes_nothing_more_and_the_heir_confirms_mysql_0() {
    String prefix = TestBroker.unique("recover-deposed");
    String oldUid = scene.mysqlUid();
    scene.cordon(OTHER, true); // the replacement stays Pending: the run waits in confirm
    try (HeldHook hook = new HeldHook(false);
         DaemonUnderTest a = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-a", hook));
         DaemonUnderTest b = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-b", hook))) {
      assertTrue(a.daemon.leading());
      scene.cluster.stopNode(NODE);
      String ticket = hook.await(1, BOUND).get(0).body.getString("ticket");
      List<CloudEvent> confirming = b.awaitEvent(ticket, stepStarted("confirm"), BOUND);
      String run = data(confirming.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
      Await.await("a replacement mysql-0, Pending", BOUND, () -> scene.uids.size() == 2);

      scene.cut.set(A);
      Await.await("replica-a steps down", Duration.ofSeconds(10), () -> !a.daemon.leading());
      long deposed = System.nanoTime();
      // The replacement may start now: Ready while the deposed replica's run still waits for it.
      scene.cordon(OTHER, false);
      Await.await("replica-b leads", BOUND, b.daemon::leading);
      List<CloudEvent> events = b.awaitEvent(ticket, type("completed").or(type("failed")).or(type("cancelled")),
          BOUND);
      System.out.printf("recover deposed in confirm: replica-b completes %.1f s after replica-a stepped down%n",
          (System.nanoTime() - deposed) / 1e9);

      List<String> seen = types(events);
      assertEquals("completed", seen.get(seen.size() - 1), seen + ": " + data(events.get(events.size() - 1)));
      assertEquals(List.of(run, run), events.stream().filter(type("started")).map(e -> data(e).getString("run"))
          .toList(), "the same run resumed by the other replica, not a second run");
      assertTrue(scene.writes.stream().filter(w -> w.agent().equals(A)).allMatch(w -> w.at() < deposed),
          "replica-a wrote after it stepped down: " + scene.writes);
      List<String> resumedPlan = events.stream().filter(engine("takeover.step.finished"))
          .map(e -> data(e).getString("summary")).filter(x -> x.startsWith("resumed after its taint")).toList();
      assertEquals(List.of("resumed after its taint: 1 StatefulSet pod(s) to confirm: default/mysql-0 (pvc-mysql-0 → "
          + "pv1)"), resumedPlan, "the heir read the pods to confirm from the node");
      assertEquals(1, data(events.get(events.size() - 1)).getJsonArray("moves").size(),
          "mysql-0 confirmed by the heir");
      assertEquals(1, scene.taintsAdded(), "tainted once: " + scene.tainted);
      scene.assertRecreatedOnceOnTheOtherWorker(oldUid);
      assertEquals(1, hook.calls().size(), hook.calls().toString());
    } finally {
      scene.cut.set(null);
    }
  }
}
