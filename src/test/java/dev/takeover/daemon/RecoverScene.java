package dev.takeover.daemon;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.SeedScene.engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed cluster as the recover failover tests watch it: kube-node02 (mysql-0's node) dies, two replicas recover it
 * automatically with a fencing hook. Kept for the assertions: every write a replica made (told apart by its
 * User-Agent; Leases and Events aside), each time the node's out-of-service taint came or went, and every uid
 * mysql-0 had. A replica's requests for the leader election's Lease can be answered 503 ({@link #cut}).
 */
final class RecoverScene implements AutoCloseable {
  static final Duration BOUND = Duration.ofSeconds(90);
  static final String NODE = "kube-node02";
  static final String OTHER = "kube-node01";
  static final String A = "takeover (replica-a)";
  static final String B = "takeover (replica-b)";

  /** A write the API server received from a replica: when, from which, what. */
  record Write(long at, String agent, String method, String path) {}

  final List<Write> writes = new CopyOnWriteArrayList<>();
  final SimulatedCluster cluster;
  private final List<Watch> watches = new ArrayList<>();
  /** Whether kube-node02 carried the out-of-service taint, each time a watch saw it change. */
  final List<Boolean> tainted = new CopyOnWriteArrayList<>();
  /** Every uid mysql-0 had, in order (the seed's first). */
  final Set<String> uids = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
  /** The User-Agent whose requests for the leader election's Lease get 503, or null. */
  final AtomicReference<String> cut = new AtomicReference<>();

  RecoverScene() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      String agent = request.getHeader("User-Agent");
      String path = request.getPath();
      if (agent != null && agent.equals(cut.get()) && path.contains("/namespaces/default/leases")) {
        // The API server no longer answers this replica's election (an overloaded apiserver's 503): it steps down.
        return dev.takeover.sim.api.Statuses.unavailable();
      }
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

  @Override
  public void close() {
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

  /** An operator's cordon of a node, or its uncordon. */
  void cordon(String node, boolean cordoned) {
    cluster.client().nodes().withName(node).edit(n -> {
      n.getSpec().setUnschedulable(cordoned);
      return n;
    });
  }

  String mysqlUid() {
    return SeedScene.mysql(cluster).getMetadata().getUid();
  }

  /** mysql-0 made again exactly once: Ready on the other worker, with pvc-mysql-0 still bound to pv1. */
  void assertRecreatedOnceOnTheOtherWorker(String oldUid) {
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
  int taintsAdded() {
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
