package dev.takeover.cluster;

import dev.takeover.cluster.DeadNodes.Decision;
import dev.takeover.cluster.DeadNodes.EndOutOfService;
import dev.takeover.cluster.NodeViews.LeaseView;
import dev.takeover.cluster.NodeViews.NodeView;
import dev.takeover.cluster.DeadNodes.PartitionOver;
import dev.takeover.cluster.DeadNodes.Partitioned;
import dev.takeover.config.RecoveryConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The two decisions of {@link DeadNodes} that look past one node's down period: the partition guard (too many nodes
 * down at once) and the end of an out-of-service taint Takeover put on a node that is back. Kept apart so that
 * DeadNodes stays readable; no I/O, no clock of its own.
 */
final class NodeGuards {
  /** A request to end a node's out-of-service that failed (or was answered "not removed") is made again after this. */
  static final Duration UNTAINT_RETRY = Duration.ofSeconds(10);

  private final RecoveryConfig recovery;
  /** A partition episode is open: Partitioned was decided and PartitionOver not yet. */
  private boolean held;
  /** Nodes whose out-of-service end was asked for and not answered yet. */
  private final Set<String> untainting = new HashSet<>();
  /** Nodes whose request failed: not asked again before this. */
  private final Map<String, Instant> untaintRetryAt = new HashMap<>();
  /**
   * Nodes whose marker was reported removed, with the marker's ticket: the watch may still show the old annotation
   * for a moment, and that must not ask again.
   */
  private final Map<String, String> untainted = new HashMap<>();

  NodeGuards(RecoveryConfig recovery) {
    this.recovery = recovery;
  }

  /** Down in the guard's sense: its kubelet not heard (Ready Unknown) and no Lease renewal, whatever grace and pods. */
  static boolean downNow(NodeView v, LeaseView lease, Instant now) {
    return v.silent() && (lease == null || !lease.renewedAt(now));
  }

  static List<String> down(Collection<NodeView> nodes, Map<String, LeaseView> leases, Instant now) {
    return nodes.stream().filter(v -> downNow(v, leases.get(v.name()), now)).map(NodeView::name).sorted().toList();
  }

  boolean held() {
    return held;
  }

  /** Partitioned when an episode starts, PartitionOver when it ends, else nothing. */
  List<Decision> partition(Collection<NodeView> nodes, Map<String, LeaseView> leases, Instant now) {
    List<String> down = down(nodes, leases, now);
    int total = nodes.size();
    boolean partitioned = recovery.partitioned(down.size(), total);
    double share = recovery.maxDownShare();
    if (partitioned && !held) {
      held = true;
      return List.of(new Partitioned(down, total, share, down.size() + " of " + total + " nodes are down ("
          + String.join(", ", down) + ": not Ready, Lease not renewed), more than deadNodes.maxDownShare "
          + percent(share) + ": likely a network partition or a control-plane problem rather than dead machines;"
          + " Takeover recovers none until at most " + mostDown(total, share) + " of " + total + " are down"));
    }
    if (!partitioned && held) {
      held = false;
      return List.of(new PartitionOver(down, total, share, down.size() + " of " + total + " nodes down now"
          + (down.isEmpty() ? "" : " (" + String.join(", ", down) + ")") + ", not more than deadNodes.maxDownShare "
          + percent(share) + ": recovery follows deadNodes.policy again"));
    }
    return List.of();
  }

  /**
   * A node that carries Takeover's out-of-service marker and is Ready: its taint is to be removed (the Lease is not
   * asked: its renewTime is the kubelet's clock). Once in flight per node; after a failure, again {@link #UNTAINT_RETRY} later.
   */
  List<Decision> outOfService(Collection<NodeView> nodes, Map<String, LeaseView> leases, Instant now) {
    List<Decision> decisions = new ArrayList<>();
    Set<String> marked = new HashSet<>();
    for (NodeView v : nodes) {
      String ticket = v.outOfService();
      if (ticket == null) {
        continue;
      }
      marked.add(v.name());
      LeaseView lease = leases.get(v.name());
      Instant retry = untaintRetryAt.get(v.name());
      if (!v.ready() || untainting.contains(v.name())
          || Objects.equals(untainted.get(v.name()), ticket) || (retry != null && now.isBefore(retry))) {
        continue;
      }
      untainting.add(v.name());
      // Ready=True is the kubelet's own recent post (the controller turns it Unknown once posts stop): enough. The
      // Lease's renewTime is the kubelet's clock, which may be off by more than the Lease lasts.
      decisions.add(new EndOutOfService(v.name(), ticket, "Ready again" + (lease == null || lease.renewTime() == null
          ? "" : " (Lease renewed at " + lease.renewTime() + ")") + ": the out-of-service taint of recover ticket "
          + ticket + " is to be removed"));
    }
    // The marker is gone (removed, by us or by hand): nothing is remembered of it.
    untainted.keySet().removeIf(n -> !marked.contains(n));
    untaintRetryAt.keySet().removeIf(n -> !marked.contains(n));
    return decisions;
  }

  void outOfServiceEnded(String node, String ticket, boolean removed, Instant now) {
    untainting.remove(node);
    if (removed) {
      untainted.put(node, ticket);
      untaintRetryAt.remove(node);
    } else {
      untaintRetryAt.put(node, now.plus(UNTAINT_RETRY));
    }
  }

  /** The most nodes of {@code total} that may be down with recovery allowed, by {@link RecoveryConfig#partitioned}. */
  static int mostDown(int total, double maxDownShare) {
    RecoveryConfig r = RecoveryConfig.defaults().withMaxDownShare(maxDownShare);
    int d = total;
    while (d > 0 && r.partitioned(d, total)) {
      d--;
    }
    return d;
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, "%.0f%%", share * 100);
  }
}
