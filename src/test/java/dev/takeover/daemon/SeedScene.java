package dev.takeover.daemon;

import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static dev.takeover.daemon.DaemonUnderTest.data;

/**
 * The seed cluster as the daemon tests use it: where mysql-0 runs now (tests move it), a PodDisruptionBudget that
 * blocks its eviction (so that a run stays in its drain until the test lets it go), tickets as JSON, and the
 * cordon of a node as seen by a watch.
 */
final class SeedScene {
  static final String BUDGET = "mysql-hold";

  private SeedScene() {}

  /** The worker mysql-0 runs on now. */
  static String mysqlNode(SimulatedCluster cluster) {
    return mysql(cluster).getSpec().getNodeName();
  }

  static Pod mysql(SimulatedCluster cluster) {
    return cluster.client().pods().inNamespace("default").withName("mysql-0").get();
  }

  /** The other worker. */
  static String otherWorker(SimulatedCluster cluster) {
    return "kube-node01".equals(mysqlNode(cluster)) ? "kube-node02" : "kube-node01";
  }

  /** A budget that allows no disruption of mysql-0: its eviction is refused (429) until {@link #unblock}. */
  static void blockEviction(SimulatedCluster cluster) {
    cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").resource(new PodDisruptionBudgetBuilder()
        .withNewMetadata().withName(BUDGET).endMetadata()
        .withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector().addToMatchLabels("app", "mysql-sts")
        .endSelector().endSpec().build()).create();
  }

  static void unblock(SimulatedCluster cluster) {
    cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").withName(BUDGET).delete();
  }

  static boolean cordoned(SimulatedCluster cluster, String node) {
    return Boolean.TRUE.equals(cluster.client().nodes().withName(node).get().getSpec().getUnschedulable());
  }

  /** Takeover's record on the node (its annotations), empty when it has none. */
  static Map<String, String> record(SimulatedCluster cluster, String node) {
    Map<String, String> a = cluster.client().nodes().withName(node).get().getMetadata().getAnnotations();
    return a == null ? Map.of() : a.entrySet().stream().filter(e -> e.getKey().startsWith("takeover.dev/"))
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  static String ticket(String id, String action, String node, String requester, String extra) {
    return "{\"id\":\"" + id + "\",\"action\":\"" + action + "\",\"node\":\"" + node + "\",\"requestedBy\":\""
        + requester + "\"" + extra + "}";
  }

  static String cancel(String id, String target, String node, String requester) {
    return ticket(id, "cancel", node, requester, ",\"target\":\"" + target + "\"");
  }

  static String windowFrom(Instant start) {
    return ",\"window\":{\"start\":\"" + start + "\"}";
  }

  /** An engine event carried by a ticket's {@code pod} or {@code step} event, by its engine type. */
  static Predicate<CloudEvent> engine(String engineType) {
    return e -> engineType.equals(data(e).getString("type"));
  }

  /** The time of the ticket's first event of this type. */
  static Instant when(List<CloudEvent> events, String type) {
    return events.stream().filter(DaemonUnderTest.type(type)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " in " + DaemonUnderTest.types(events)))
        .getTime().toInstant();
  }

  /** Every cordon state of one node a watch sees, from when it opens. */
  static final class CordonWatch implements AutoCloseable {
    final List<Boolean> seen = new CopyOnWriteArrayList<>();
    private final Watch watch;

    CordonWatch(SimulatedCluster cluster, String node) {
      watch = cluster.client().nodes().withName(node).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Node n) {
          seen.add(Boolean.TRUE.equals(n.getSpec().getUnschedulable()));
        }

        @Override
        public void onClose(WatcherException cause) {
          // closed by the test
        }
      });
    }

    boolean everCordoned() {
      return seen.contains(true);
    }

    @Override
    public void close() {
      watch.close();
    }
  }
}
