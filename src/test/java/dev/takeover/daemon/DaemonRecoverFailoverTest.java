package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.RecoverScene.A;
import static dev.takeover.daemon.RecoverScene.B;
import static dev.takeover.daemon.RecoverScene.BOUND;
import static dev.takeover.daemon.RecoverScene.NODE;
import static dev.takeover.daemon.RecoverScene.finished;
import static dev.takeover.daemon.RecoverScene.replica;
import static dev.takeover.daemon.RecoverScene.stepStarted;
import static dev.takeover.daemon.SeedScene.engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas, automatic recovery of kube-node02 (mysql-0's node) with a fencing hook, and the leader dies in the
 * middle of the recovery: the other replica takes the Lease and resumes the same recover ticket, the same run, to its
 * end. Told by what the outside sees: the hook's calls, the node's taints, mysql-0's uids, the ticket's events, and
 * the writes the API server received, told apart by their User-Agent ({@link RecoverScene}).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRecoverFailoverTest {
  RecoverScene scene;

  @BeforeEach
  void start() {
    scene = new RecoverScene();
  }

  @AfterEach
  void stop() {
    scene.close();
  }

  /**
   * Stopped as SIGTERM does (its runs halt, then the Lease is released), not {@link DaemonUnderTest#kill}: closing
   * Vert.x under the daemon fails the hook's call before the engine halts, and the dying engine tells the ticket
   * failed, which a real kill -9 never does. The hook's call stays in flight through the stop and is answered after
   * the heir's: the stopped leader must not taint then.
   */
  @Test
  void the_leader_stopped_while_its_fencing_hook_is_in_flight_is_replaced_and_the_heir_fences_again_and_recovers() {
    String prefix = TestBroker.unique("recover-failover");
    String oldUid = scene.mysqlUid();
    try (HeldHook hook = new HeldHook(true)) {
      DaemonUnderTest a = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-a", hook));
      try (DaemonUnderTest b = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-b", hook))) {
        assertTrue(a.daemon.leading());
        scene.cluster.stopNode(NODE);

        // The leader's recovery calls the hook, which keeps its answer back: the fence is in flight.
        String ticket = hook.await(1, BOUND).get(0).body.getString("ticket");
        List<CloudEvent> fencing = b.awaitEvent(ticket, stepStarted("fence"), BOUND);
        String run = data(fencing.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
        assertTrue(scene.writes.stream().noneMatch(w -> w.path().contains("/nodes/" + NODE)
            || w.path().contains("/pods")), "nothing written on the node or its pods before the fence: " + scene.writes);

        long stopped = System.nanoTime();
        a.stopDaemon();
        assertFalse(a.daemon.leading());
        Await.await("replica-b leads", BOUND, b.daemon::leading);
        double leads = (System.nanoTime() - stopped) / 1e9;
        b.awaitEvent(ticket, type("started").and(e -> data(e).getBoolean("resumed", false)), BOUND);
        // The heir's own call: the hook is asked again (it is idempotent by contract). Both are answered now, the
        // stopped leader's too: it comes back to a run halted before its taint step.
        List<HeldHook.Call> calls = hook.await(2, BOUND);
        double fencedAgain = (calls.get(1).at - stopped) / 1e9;
        hook.release();
        List<CloudEvent> events = b.awaitEvent(ticket, type("completed").or(type("failed")).or(type("cancelled")),
            BOUND);
        System.out.printf("recover failover in fence: replica-b leads %.1f s after replica-a began to stop, calls the "
            + "hook again %.1f s after, completes %.1f s after%n", leads, fencedAgain,
            (System.nanoTime() - stopped) / 1e9);

        List<String> seen = types(events);
        assertEquals("completed", seen.get(seen.size() - 1), seen + ": " + data(events.get(events.size() - 1)));
        assertEquals("out-of-service", data(events.get(events.size() - 1)).getString("nodeLeft"));
        assertEquals(List.of(run, run), events.stream().filter(type("started")).map(e -> data(e).getString("run"))
            .toList(), "the same run resumed by the other replica, not a second run");
        // The heir reports the node down again and asks for its recovery again: the same ticket, a duplicate (not a
        // conflict, a dead letter, and no second run).
        assertTrue(seen.contains("duplicate") && !seen.contains("rejected"), seen.toString());
        assertEquals(2, hook.calls().size(), hook.calls().toString());
        assertTrue(hook.calls().stream().allMatch(c -> NODE.equals(c.body.getString("node"))
            && ticket.equals(c.body.getString("ticket"))), hook.calls().toString());
        assertEquals(List.of("plan", "plan", "fence", "taint", "confirm"), finished(events),
            "replica-a planned and never finished its fence; replica-b planned, fenced, tainted, confirmed");
        assertEquals(Set.of(ticket), b.ticketsSeen().stream().filter(t -> t.startsWith("recover-")).collect(
            java.util.stream.Collectors.toSet()), "no other recovery of the node");

        assertEquals(1, scene.taintsAdded(), "tainted once: " + scene.tainted);
        Node node = scene.cluster.client().nodes().withName(NODE).get();
        assertEquals(1, node.getSpec().getTaints().stream().filter(t -> "node.kubernetes.io/out-of-service".equals(
            t.getKey())).count(), node.getSpec().getTaints().toString());
        assertEquals(ticket, node.getMetadata().getAnnotations().get("takeover.dev/out-of-service"));
        scene.assertRecreatedOnceOnTheOtherWorker(oldUid);
        // Replica-a, answered by the hook after it stopped, wrote nothing: its run was halted before the taint.
        Await.await("replica-a's call answered", Duration.ofSeconds(10), () -> hook.calls().get(0).answer != null);
        assertTrue(scene.writes.stream().noneMatch(w -> w.agent().equals(A)), "replica-a wrote: " + scene.writes);
        assertTrue(scene.writes.stream().filter(w -> w.agent().equals(B)).allMatch(w -> w.at() > stopped),
            scene.writes.toString());
      } finally {
        a.close();
      }
    }
  }

  /**
   * Killed (as close to kill -9 as one JVM allows) while its run waits in confirm: the replacement mysql-0 is held
   * Pending, kube-node01 cordoned by an operator. The heir takes the run up from the node's record (no second fence,
   * no second taint), confirms mysql-0 once kube-node01 is uncordoned, keeps the taint while the node is down, and
   * removes it, once, when the node is back.
   */
  @Test
  void the_leader_killed_while_its_recovery_waits_in_confirm_is_replaced_and_the_heir_confirms_then_removes_the_taint() {
    String prefix = TestBroker.unique("recover-confirm");
    String oldUid = scene.mysqlUid();
    scene.cordon(RecoverScene.OTHER, true);
    try (HeldHook hook = new HeldHook(false)) {
      DaemonUnderTest a = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-a", hook));
      try (DaemonUnderTest b = new DaemonUnderTest(scene.cluster, replica(prefix, "replica-b", hook))) {
        assertTrue(a.daemon.leading());
        scene.cluster.stopNode(NODE);

        String ticket = hook.await(1, BOUND).get(0).body.getString("ticket");
        List<CloudEvent> confirming = b.awaitEvent(ticket, stepStarted("confirm"), BOUND);
        String run = data(confirming.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
        // Pod GC deleted the old mysql-0; its replacement waits for a node.
        Await.await("a replacement mysql-0, Pending", BOUND, () -> scene.uids.size() == 2);
        assertNull(SeedScene.mysql(scene.cluster).getSpec().getNodeName(), "not scheduled: kube-node01 is cordoned");

        long killed = System.nanoTime();
        a.kill();
        Await.await("replica-b leads", BOUND, b.daemon::leading);
        double leads = (System.nanoTime() - killed) / 1e9;
        List<CloudEvent> resumed = b.awaitEvent(ticket, stepStarted("confirm").and(e -> !e.equals(confirming.stream()
            .filter(stepStarted("confirm")).findFirst().orElseThrow())), BOUND);
        assertTrue(resumed.stream().anyMatch(type("started").and(e -> data(e).getBoolean("resumed", false))));
        assertTrue(DaemonAutomaticRecoveryTest.outOfService(scene.cluster.client().nodes().withName(NODE).get()));

        scene.cordon(RecoverScene.OTHER, false);
        List<CloudEvent> events = b.awaitEvent(ticket, type("completed").or(type("failed")).or(type("cancelled")),
            BOUND);
        double completed = (System.nanoTime() - killed) / 1e9;
        List<String> seen = types(events);
        assertEquals("completed", seen.get(seen.size() - 1), seen + ": " + data(events.get(events.size() - 1)));
        assertEquals(List.of(run, run), events.stream().filter(type("started")).map(e -> data(e).getString("run"))
            .toList(), "the same run resumed by the other replica, not a second run");
        assertEquals(List.of("plan", "fence", "taint", "plan", "taint", "confirm"), finished(events),
            "replica-b took the run up after its taint: no second fence");
        List<String> resumedPlan = events.stream().filter(engine("takeover.step.finished"))
            .map(e -> data(e).getString("summary")).filter(x -> x.startsWith("resumed after its taint")).toList();
        assertEquals(List.of("resumed after its taint: 1 StatefulSet pod(s) to confirm: default/mysql-0 (pvc-mysql-0 "
            + "→ pv1)"), resumedPlan, "the heir read the pods to confirm from the node");
        assertEquals(1, hook.calls().size(), hook.calls().toString());
        assertEquals(1, scene.taintsAdded(), "tainted once: " + scene.tainted);
        // And told so: the heir's taint step says it kept the taint, not that it tainted again.
        List<String> taintSteps = events.stream().filter(engine("takeover.step.finished").and(e -> "taint".equals(
            data(e).getString("step")))).map(e -> data(e).getString("summary").split(";")[0]).toList();
        assertEquals(List.of("tainted " + NODE + " node.kubernetes.io/out-of-service=nodeshutdown:NoExecute", NODE
            + " keeps the node.kubernetes.io/out-of-service taint this ticket put there before the run was cut off"),
            taintSteps);
        scene.assertRecreatedOnceOnTheOtherWorker(oldUid);

        // Down all along, the node kept its taint; back, it loses it, once, by the leader now: replica-b.
        int whileDown = scene.tainted.size();
        long started = System.nanoTime();
        scene.cluster.startNode(NODE);
        b.awaitRecord(r -> r.value().getType().equals("dev.takeover.node.taint-removed") && NODE.equals(r.key()),
            BOUND);
        System.out.printf("recover failover in confirm: replica-b leads %.1f s after the kill, completes %.1f s after "
            + "it; the taint removed %.1f s after the node was started%n", leads, completed,
            (System.nanoTime() - started) / 1e9);
        List<Boolean> downThenBack = List.copyOf(scene.tainted);
        assertFalse(downThenBack.subList(downThenBack.indexOf(true), whileDown).contains(false),
            "the taint stayed while the node was down: " + downThenBack);
        Node back = scene.cluster.client().nodes().withName(NODE).get();
        assertFalse(DaemonAutomaticRecoveryTest.outOfService(back), "the taint is gone");
        assertTrue(back.getMetadata().getAnnotations().keySet().stream().noneMatch(k -> k.startsWith("takeover.dev/")),
            back.getMetadata().getAnnotations().toString());
        List<String> told = b.of(ticket).stream().map(CloudEvent::getType).toList();
        assertEquals(1, told.stream().filter("dev.takeover.node.taint-removed"::equals).count(), told.toString());
        List<RecoverScene.Write> onTheNode = scene.writes.stream().filter(w -> w.at() > started
            && w.path().contains("/nodes/" + NODE)).toList();
        assertEquals(List.of(B), onTheNode.stream().map(RecoverScene.Write::agent).toList(),
            "one write, the removal: " + onTheNode);
        assertTrue(scene.writes.stream().filter(w -> w.agent().equals(A)).allMatch(w -> w.at() < killed),
            scene.writes.toString());
      } finally {
        a.close();
      }
    }
  }
}
