package dev.takeover.daemon;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas, automatic recovery of kube-node02 (mysql-0's node) with a fencing hook, and the leader dies in the
 * middle of the recovery: the other replica takes the Lease and resumes the same recover ticket, the same run, to its
 * end. Told by what the outside sees: the hook's calls, the node's taints, mysql-0's uids, the ticket's events, and
 * the writes the API server received, told apart by their User-Agent.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonRecoverFailoverTest {
  static final Duration BOUND = Duration.ofSeconds(90);
  static final String NODE = "kube-node02";
  static final String OTHER = "kube-node01";
  static final String A = "takeover (replica-a)";
  static final String B = "takeover (replica-b)";

  /** A write the API server received from a replica: when, from which, what. */
  record Write(long at, String agent, String method, String path) {}

  final List<Write> writes = new CopyOnWriteArrayList<>();
  SimulatedCluster cluster;
  final List<Watch> watches = new ArrayList<>();
  /** Whether kube-node02 carried the out-of-service taint, each time a watch saw it change. */
  final List<Boolean> tainted = new CopyOnWriteArrayList<>();
  /** Every uid mysql-0 had, in order (the seed's first). */
  final Set<String> uids = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      String agent = request.getHeader("User-Agent");
      String path = request.getPath();
      // A run's writes: Leases (the election's, the node guard's) and Events (a story, not an act) aside.
      if (agent != null && agent.startsWith("takeover (") && !"GET".equals(request.getMethod())
          && !path.contains("/leases") && !path.contains("/events")) {
        writes.add(new Write(System.nanoTime(), agent, request.getMethod(), path));
      }
      return null;
    }).start();
    Seed.apply(cluster);
    watches.add(cluster.client().nodes().withName(NODE).watch(new Watching<>(n ->
        tainted.add(DaemonAutomaticRecoveryTest.outOfService(n)))));
    watches.add(cluster.client().pods().inNamespace("default").withName("mysql-0").watch(new Watching<>(p ->
        uids.add(p.getMetadata().getUid()))));
  }

  @AfterEach
  void stop() {
    watches.forEach(Watch::close);
    cluster.close();
  }

  /** A replica of DaemonFailoverTest's timing (4 s leader Lease, 3 s node Lease), recovering every node automatically. */
  static DaemonConfig replica(String prefix, String name, HeldHook hook) {
    RecoveryConfig automatic = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.AUTOMATIC)
        .withRecoverAfter(Duration.ofSeconds(4)).withPodGcWait(Duration.ofSeconds(5));
    return DaemonFailoverTest.replica(prefix, name).withDeadNodes(new DaemonConfig.DeadNodes(Duration.ofSeconds(2),
        automatic, new DaemonConfig.Fencing(hook.url(), "fence-token", List.of(), Duration.ofSeconds(30))));
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
    String oldUid = SeedScene.mysql(cluster).getMetadata().getUid();
    try (HeldHook hook = new HeldHook(true)) {
      DaemonUnderTest a = new DaemonUnderTest(cluster, replica(prefix, "replica-a", hook));
      try (DaemonUnderTest b = new DaemonUnderTest(cluster, replica(prefix, "replica-b", hook))) {
        assertTrue(a.daemon.leading());
        cluster.stopNode(NODE);

        // The leader's recovery calls the hook, which keeps its answer back: the fence is in flight.
        String ticket = hook.await(1, BOUND).get(0).body.getString("ticket");
        List<CloudEvent> fencing = b.awaitEvent(ticket, stepStarted("fence"), BOUND);
        String run = data(fencing.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
        assertTrue(writes.stream().noneMatch(w -> w.path().contains("/nodes/" + NODE) || w.path().contains("/pods")),
            "nothing written on the node or its pods before the fence: " + writes);

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

        assertEquals(1, taintsAdded(), "tainted once: " + tainted);
        Node node = cluster.client().nodes().withName(NODE).get();
        assertEquals(1, node.getSpec().getTaints().stream()
            .filter(t -> "node.kubernetes.io/out-of-service".equals(t.getKey())).count(), node.getSpec().getTaints().toString());
        assertEquals(ticket, node.getMetadata().getAnnotations().get("takeover.dev/out-of-service"));
        assertRecreatedOnceOnTheOtherWorker(oldUid);
        // Replica-a, answered by the hook after it stopped, wrote nothing: its run was halted before the taint.
        Await.await("replica-a's call answered", Duration.ofSeconds(10), () -> hook.calls().get(0).answer != null);
        assertTrue(writes.stream().noneMatch(w -> w.agent().equals(A)), "replica-a wrote: " + writes);
        assertTrue(writes.stream().filter(w -> w.agent().equals(B)).allMatch(w -> w.at() > stopped), writes.toString());
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
    String oldUid = SeedScene.mysql(cluster).getMetadata().getUid();
    cluster.client().nodes().withName(OTHER).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    try (HeldHook hook = new HeldHook(false)) {
      DaemonUnderTest a = new DaemonUnderTest(cluster, replica(prefix, "replica-a", hook));
      try (DaemonUnderTest b = new DaemonUnderTest(cluster, replica(prefix, "replica-b", hook))) {
        assertTrue(a.daemon.leading());
        cluster.stopNode(NODE);

        String ticket = hook.await(1, BOUND).get(0).body.getString("ticket");
        List<CloudEvent> confirming = b.awaitEvent(ticket, stepStarted("confirm"), BOUND);
        String run = data(confirming.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
        // Pod GC deleted the old mysql-0; its replacement waits for a node.
        Await.await("a replacement mysql-0, Pending", BOUND, () -> uids.size() == 2);
        assertTrue(SeedScene.mysql(cluster).getSpec().getNodeName() == null, "not scheduled: kube-node01 is cordoned");

        long killed = System.nanoTime();
        a.kill();
        Await.await("replica-b leads", BOUND, b.daemon::leading);
        double leads = (System.nanoTime() - killed) / 1e9;
        List<CloudEvent> resumed = b.awaitEvent(ticket, stepStarted("confirm").and(e -> !e.equals(confirming.stream()
            .filter(stepStarted("confirm")).findFirst().orElseThrow())), BOUND);
        assertTrue(resumed.stream().anyMatch(type("started").and(e -> data(e).getBoolean("resumed", false))));
        assertTrue(DaemonAutomaticRecoveryTest.outOfService(cluster.client().nodes().withName(NODE).get()));

        cluster.client().nodes().withName(OTHER).edit(n -> {
          n.getSpec().setUnschedulable(false);
          return n;
        });
        List<CloudEvent> events = b.awaitEvent(ticket, type("completed").or(type("failed")).or(type("cancelled")),
            BOUND);
        double completed = (System.nanoTime() - killed) / 1e9;
        List<String> seen = types(events);
        assertEquals("completed", seen.get(seen.size() - 1), seen + ": " + data(events.get(events.size() - 1)));
        assertEquals(List.of(run, run), events.stream().filter(type("started")).map(e -> data(e).getString("run"))
            .toList(), "the same run resumed by the other replica, not a second run");
        assertEquals(List.of("plan", "fence", "taint", "plan", "taint", "confirm"), finished(events),
            "replica-b took the run up after its taint: no second fence");
        String plan = events.stream().filter(engine("takeover.step.finished")).map(e -> data(e).getString("summary"))
            .toList().get(3);
        assertTrue(plan.startsWith("resumed after its taint: 1 StatefulSet pod(s) to confirm"), plan);
        assertEquals(1, hook.calls().size(), hook.calls().toString());
        assertEquals(1, taintsAdded(), "tainted once: " + tainted);
        assertRecreatedOnceOnTheOtherWorker(oldUid);

        // Down all along, the node kept its taint; back, it loses it, once, by the leader now: replica-b.
        int whileDown = tainted.size();
        long started = System.nanoTime();
        cluster.startNode(NODE);
        b.awaitRecord(r -> r.value().getType().equals("dev.takeover.node.taint-removed") && NODE.equals(r.key()),
            BOUND);
        System.out.printf("recover failover in confirm: replica-b leads %.1f s after the kill, completes %.1f s after "
            + "it; the taint removed %.1f s after the node was started%n", leads, completed,
            (System.nanoTime() - started) / 1e9);
        List<Boolean> downThenBack = List.copyOf(tainted);
        assertFalse(downThenBack.subList(downThenBack.indexOf(true), whileDown).contains(false),
            "the taint stayed while the node was down: " + downThenBack);
        Node back = cluster.client().nodes().withName(NODE).get();
        assertFalse(DaemonAutomaticRecoveryTest.outOfService(back), "the taint is gone");
        assertTrue(back.getMetadata().getAnnotations().keySet().stream().noneMatch(k -> k.startsWith("takeover.dev/")),
            back.getMetadata().getAnnotations().toString());
        assertEquals(1, b.of(ticket).stream().filter(e -> e.getType().equals("dev.takeover.node.taint-removed")).count(),
            types(b.of(ticket)).toString());
        List<Write> onTheNode = writes.stream().filter(w -> w.at() > started && w.path().contains("/nodes/" + NODE))
            .toList();
        assertEquals(List.of(B), onTheNode.stream().map(Write::agent).toList(), "one write, the removal: " + onTheNode);
        assertTrue(writes.stream().filter(w -> w.agent().equals(A)).allMatch(w -> w.at() < killed), writes.toString());
      } finally {
        a.close();
      }
    }
  }

  /** mysql-0 made again exactly once: Ready on the other worker, with pvc-mysql-0 still bound to pv1. */
  private void assertRecreatedOnceOnTheOtherWorker(String oldUid) {
    Pod now = SeedScene.mysql(cluster);
    Await.await("the watch saw mysql-0's new uid", Duration.ofSeconds(10), () -> uids.contains(now.getMetadata()
        .getUid()));
    assertEquals(List.of(oldUid, now.getMetadata().getUid()), List.copyOf(uids), "one new mysql-0, not two");
    assertEquals(OTHER, now.getSpec().getNodeName());
    assertTrue(now.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
        && "True".equals(c.getStatus())), now.getStatus().toString());
    assertEquals("pvc-mysql-0", now.getSpec().getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null)
        .findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName());
    assertEquals("pv1", cluster.client().persistentVolumeClaims().inNamespace("default").withName("pvc-mysql-0").get()
        .getSpec().getVolumeName());
  }

  /** How often the node went from untainted to tainted, as the watch saw it. */
  private int taintsAdded() {
    int added = 0;
    boolean before = false;
    for (boolean t : tainted) {
      added += t && !before ? 1 : 0;
      before = t;
    }
    return added;
  }

  /** The steps the ticket's events say finished, in order. */
  static List<String> finished(List<CloudEvent> events) {
    return events.stream().filter(engine("takeover.step.finished")).map(e -> data(e).getString("step")).toList();
  }

  static Predicate<CloudEvent> stepStarted(String step) {
    return engine("takeover.step.started").and(e -> step.equals(data(e).getString("step")));
  }

  /** A watch of one object that hands each version it sees to {@code seen}. */
  record Watching<T>(java.util.function.Consumer<T> seen) implements Watcher<T> {
    @Override
    public void eventReceived(Action action, T object) {
      if (action != Action.DELETED) {
        seen.accept(object);
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      // closed by the test
    }
  }
}
