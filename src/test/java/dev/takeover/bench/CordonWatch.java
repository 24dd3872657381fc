package dev.takeover.bench;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's own eye on the cluster: a watch of every node, independent of the daemon's. It knows when each
 * node was last seen becoming cordoned (spec.unschedulable true) and the largest number cordoned at once.
 */
final class CordonWatch implements AutoCloseable {
  private final Set<String> cordoned = new HashSet<>();
  private final Map<String, Long> cordonedAt = new HashMap<>();
  private int most;
  private final Watch watch;

  CordonWatch(KubernetesClient client) {
    // Nodes cordoned before the watch opened are counted too: the watch starts with an ADDED event of each node.
    watch = client.nodes().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Node node) {
        seen(action, node);
      }

      @Override
      public void onClose(WatcherException cause) {
        System.out.println("  (the benchmark's node watch closed: " + cause + ")");
      }
    });
  }

  private synchronized void seen(Watcher.Action action, Node node) {
    String name = node.getMetadata().getName();
    boolean now = action != Watcher.Action.DELETED && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    if (now && cordoned.add(name)) {
      cordonedAt.put(name, System.nanoTime());
      most = Math.max(most, cordoned.size());
    } else if (!now) {
      cordoned.remove(name);
    }
    notifyAll();
  }

  /** Waits until the node is seen becoming cordoned after {@code since} (a nanoTime); when it was, as a nanoTime. */
  synchronized long awaitCordonAfter(String node, long since, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (cordonedAt.getOrDefault(node, Long.MIN_VALUE) < since) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("node " + node + " not seen cordoned within " + bound);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return cordonedAt.get(node);
  }

  /** Waits until no node is cordoned. */
  synchronized void awaitNoneCordoned(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!cordoned.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("still cordoned after " + bound + ": " + cordoned);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  synchronized int cordonedNow() {
    return cordoned.size();
  }

  /** The largest number of nodes seen cordoned at once since the last reset. */
  synchronized int most() {
    return most;
  }

  synchronized void resetMost() {
    most = cordoned.size();
  }

  @Override
  public void close() {
    watch.close();
  }
}
