package dev.takeover.cluster;

import dev.takeover.cluster.NodeViews.LeaseView;
import dev.takeover.cluster.NodeViews.NodeView;
import dev.takeover.config.RecoveryConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which nodes are down, from what the cluster says of them; no I/O, no clock of its own (every call is
 * given {@code now}), so each rule is tested without a cluster.
 *
 * <p>A node is <em>down</em> when, all at once:
 * <ol>
 *   <li>its Ready condition has not been True for longer than the grace (since the condition's
 *   lastTransitionTime: a node that flaps starts again from its last change, so it is never down until it stays
 *   down past the grace);</li>
 *   <li>its Lease in kube-node-lease is not renewed: renewTime + leaseDurationSeconds is past. A renewed Lease
 *   means the kubelet still runs (only its status updates fail to arrive): such a node is reported
 *   {@link Alive}, never down, whatever Ready says;</li>
 *   <li>it is not under a Takeover maintenance (its {@code takeover.dev/} record): that node was cordoned on
 *   purpose and its run is watching it;</li>
 *   <li>StatefulSet pods are bound to it: only those stay stuck (the StatefulSet controller makes no replacement
 *   while the old pod exists); their list is asked of the API server, as a {@link Pass#suspects() suspect}.</li>
 * </ol>
 * Down is decided once per down period; {@link Recovered} follows when the node is Ready again (or is removed from
 * the cluster, which releases its pods).
 *
 * <p>Beside that, over all nodes ({@link NodeGuards}): {@link Partitioned} when more than
 * {@code deadNodes.maxDownShare} of them are down at once (not Ready and Lease not renewed, no grace, pods or not),
 * once per episode, and {@link PartitionOver} when that ends; {@link EndOutOfService} for a node that carries
 * Takeover's out-of-service marker and is Ready. Down, alive and the guard wait for the first list of the Leases
 * (the guard, of the nodes too): before, a NotReady node whose Lease is renewed would count as down.
 */
public final class DeadNodes {
  public sealed interface Decision permits Down, StillDown, Recovered, Alive, Partitioned, PartitionOver,
      EndOutOfService {
    /** The node it is about; "" for one about all of them. */
    String node();
  }

  /**
   * The node is down with these StatefulSet pods (namespace/name) stuck on it.
   *
   * @param leaseRenewedAt its Lease's last renewTime, as written (the kubelet's clock): what the down period is known
   *                       by (an automatic ticket's id)
   * @param silentSince    when it was last heard, on this process's clock ({@link LeaseView#lastRenewal()}; else
   *                       leaseRenewedAt): what recoverAfter counts from
   */
  public record Down(String node, Instant notReadySince, Instant leaseRenewedAt, String reason, List<String> pods,
                     Instant silentSince) implements Decision {
    public Down(String node, Instant notReadySince, Instant leaseRenewedAt, String reason, List<String> pods) {
      this(node, notReadySince, leaseRenewedAt, reason, pods, leaseRenewedAt);
    }
  }

  /**
   * A down period told before this process watched (by an earlier leader, as the state topic keeps it), and still
   * going on: not to be told to people again, only to this process's own followers of it (its gauge, automatic
   * recovery).
   */
  public record StillDown(Down down) implements Decision {
    public String node() {
      return down.node();
    }
  }

  /** A node reported down is Ready again (or gone). */
  public record Recovered(String node, Instant notReadySince, Instant leaseRenewedAt, String reason, List<String> pods)
      implements Decision {}

  /** Not Ready past the grace, but its Lease is renewed: alive. Told once per not-Ready period. */
  public record Alive(String node, Instant notReadySince, Instant leaseRenewedAt, String reason) implements Decision {}

  /**
   * More than {@code maxDownShare} of the {@code total} nodes are {@code down} (sorted): no recovery until it is over.
   * Told once per episode.
   */
  public record Partitioned(List<String> down, int total, double maxDownShare, String reason) implements Decision {
    public String node() {
      return "";
    }
  }

  /** The episode {@link Partitioned} told of is over: {@code down} are the nodes still down. */
  public record PartitionOver(List<String> down, int total, double maxDownShare, String reason) implements Decision {
    public String node() {
      return "";
    }
  }

  /** The node carries Takeover's out-of-service marker of {@code ticket} and is back: its taint is to be removed. */
  public record EndOutOfService(String node, String ticket, String reason) implements Decision {}

  /** What the partition guard sees now: the nodes down in its sense, of how many, and whether it holds recovery. */
  public record Guard(boolean synced, List<String> down, int total, boolean held) {}

  /** What a pass decided, and the nodes whose pods must be listed before they can be said down. */
  public record Pass(List<Decision> decisions, List<String> suspects) {}

  private final Duration grace;
  private final Duration recheckWithoutPods;
  private final Map<String, NodeView> nodes = new TreeMap<>();
  private final Map<String, LeaseView> leases = new HashMap<>();
  /** When a node without a lastTransitionTime was first seen not Ready. */
  private final Map<String, Instant> firstSeenNotReady = new HashMap<>();
  /** Nodes reported down, with what was reported. */
  private final Map<String, Down> down = new HashMap<>();
  /** The not-Ready period (its start) a node was reported alive for. */
  private final Map<String, Instant> aliveTold = new HashMap<>();
  /** Suspects whose pods are being listed. */
  private final Set<String> listing = new HashSet<>();
  /** Suspects found without StatefulSet pods: not listed again before this. */
  private final Map<String, Instant> noPodsUntil = new HashMap<>();
  private final NodeGuards guards;
  private boolean nodesSynced;
  private boolean leasesSynced;
  /** The down periods told before this process watched, until a pass can judge them; null until they are known. */
  private Map<String, Down> toldBefore;

  /**
   * @param recheckWithoutPods how long a suspect found without StatefulSet pods is left before its pods are listed
   *                           again (a down node gets no new pods; this only bounds the API calls)
   */
  public DeadNodes(Duration grace, Duration recheckWithoutPods, RecoveryConfig recovery) {
    this.grace = grace;
    this.recheckWithoutPods = recheckWithoutPods;
    this.guards = new NodeGuards(recovery);
  }

  /** With the default recovery settings (maxDownShare 1/3). */
  public DeadNodes(Duration grace, Duration recheckWithoutPods) {
    this(grace, recheckWithoutPods, RecoveryConfig.defaults());
  }

  public void node(NodeView view, Instant now) {
    nodes.put(view.name(), view);
    if (view.ready()) {
      firstSeenNotReady.remove(view.name());
      noPodsUntil.remove(view.name());
    } else {
      firstSeenNotReady.putIfAbsent(view.name(), now);
    }
  }

  /** Every node a list found: those it did not find are gone. */
  public void nodesListed(List<NodeView> views, Instant now) {
    Set<String> names = new HashSet<>();
    for (NodeView v : views) {
      names.add(v.name());
      node(v, now);
    }
    nodes.keySet().removeIf(n -> !names.contains(n));
    nodesSynced = true;
  }

  public void nodeRemoved(String name) {
    nodes.remove(name);
  }

  public void lease(String node, LeaseView lease) {
    leases.put(node, lease.after(leases.get(node)));
  }

  public void leaseRemoved(String node) {
    leases.remove(node);
  }

  /** Every Lease a list found, by node name. */
  public void leasesListed(Map<String, LeaseView> all) {
    Map<String, LeaseView> before = new HashMap<>(leases);
    leases.clear();
    all.forEach((node, lease) -> leases.put(node, lease.after(before.get(node))));
    leasesSynced = true;
  }

  /**
   * The down periods told before this process watched (by node), as the state topic keeps them. Until this is called
   * no node is said down: one told already would be told again. Each is judged at the first pass after the nodes
   * and the Leases are listed: still down ({@link StillDown}), or recovered meanwhile ({@link Recovered}).
   */
  public void toldBefore(Map<String, Down> told) {
    if (toldBefore == null) {
      toldBefore = new TreeMap<>(told);
      return;
    }
    // Known late (the state came after detection went on without it): those told since are followed already.
    told.forEach((node, d) -> {
      if (!down.containsKey(node)) {
        toldBefore.put(node, d);
      }
    });
  }

  /** Looks at every node now: decisions that need no pods, and the suspects whose pods are to be listed. */
  public Pass pass(Instant now) {
    List<Decision> decisions = new ArrayList<>();
    if (nodesSynced && leasesSynced) {
      decisions.addAll(guards.partition(nodes.values(), leases, now));
    }
    decisions.addAll(guards.outOfService(nodes.values(), leases, now));
    List<String> suspects = new ArrayList<>();
    if (toldBefore == null) {
      return new Pass(decisions, suspects);
    }
    if (nodesSynced && leasesSynced && !toldBefore.isEmpty()) {
      decisions.addAll(judgeToldBefore(now));
    }
    for (Map.Entry<String, Down> d : new ArrayList<>(down.entrySet())) {
      NodeView v = nodes.get(d.getKey());
      LeaseView lease = leases.get(d.getKey());
      Instant since = d.getValue().notReadySince();
      String notReadyFor = since == null ? "" : " after " + Duration.between(since, now).toSeconds() + " s not Ready";
      // Down no longer holds once its kubelet is heard (Ready False is its post; a renewed Lease its heartbeat): the
      // node is not dead, whatever else ails it, and must not be recovered (fenced, tainted) as if it were.
      String reason = v == null ? "the node was removed from the cluster (its pods go with it)"
          : v.ready() ? "Ready again" + notReadyFor
          : !v.silent() ? "its kubelet is heard again (" + v.readyReason() + ")" + notReadyFor + ": not down, though not"
          + " Ready"
          : lease != null && lease.renewedAt(now) && !java.util.Objects.equals(lease.renewTime(),
          d.getValue().leaseRenewedAt()) ? "its Lease was renewed at " + lease.renewTime() + notReadyFor
          + ": its kubelet runs again, though the node is not Ready" : null;
      if (reason != null) {
        down.remove(d.getKey());
        decisions.add(new Recovered(d.getKey(), since, lease == null ? null : lease.renewTime(), reason,
            d.getValue().pods()));
      }
    }
    for (NodeView v : leasesSynced ? nodes.values() : List.<NodeView>of()) {
      // Until the Leases are listed, a node whose kubelet renews its Lease would look dead: none is judged (a Lease
      // list that keeps failing, e.g. forbidden, leaves detection silent and the watch's health says why).
      String name = v.name();
      Instant since = notReadySince(v);
      if (!v.silent() || since == null || down.containsKey(name) || toldBefore.containsKey(name) || v.maintenance()
          || !pastGrace(since, now)) {
        continue;
      }
      LeaseView lease = leases.get(name);
      if (lease != null && lease.renewedAt(now)) {
        if (!since.equals(aliveTold.get(name))) {
          aliveTold.put(name, since);
          decisions.add(new Alive(name, since, lease.renewTime(), v.readyReason() + " since " + since
              + ", but its Lease was renewed at " + lease.renewTime() + ": the kubelet runs"));
        }
        continue;
      }
      Instant wait = noPodsUntil.get(name);
      if (!listing.contains(name) && (wait == null || !now.isBefore(wait))) {
        listing.add(name);
        suspects.add(name);
      }
    }
    aliveTold.keySet().removeIf(n -> !nodes.containsKey(n) || nodes.get(n).ready());
    return new Pass(decisions, suspects);
  }

  /** Each down period told before: still going on, or over (the node came back, went again, or was removed). */
  private List<Decision> judgeToldBefore(Instant now) {
    List<Decision> decisions = new ArrayList<>();
    for (Down d : toldBefore.values()) {
      NodeView v = nodes.get(d.node());
      LeaseView lease = leases.get(d.node());
      Instant renewed = lease == null ? null : lease.renewTime();
      Instant since = v == null ? null : notReadySince(v);
      String over = v == null ? "the node was removed from the cluster while no replica watched it (its pods go with it)"
          : v.ready() ? "Ready again: it came back while no replica watched it (not Ready since " + d.notReadySince() + ")"
          : d.notReadySince() != null && !d.notReadySince().equals(since) ? "it was Ready again while no replica watched it; "
          + "not Ready again since " + since + ", a down period of its own" : null;
      if (over != null) {
        decisions.add(new Recovered(d.node(), d.notReadySince(), renewed, over, d.pods()));
      } else {
        down.put(d.node(), d);
        decisions.add(new StillDown(d));
      }
    }
    toldBefore.clear();
    return decisions;
  }

  /**
   * The StatefulSet pods (namespace/name) a suspect has, as listed: down if it still is a suspect and has some.
   * Returns null when nothing is to be said.
   */
  public Down podsListed(String node, List<String> statefulSetPods, Instant now) {
    listing.remove(node);
    NodeView v = nodes.get(node);
    Instant since = v == null ? null : notReadySince(v);
    LeaseView lease = leases.get(node);
    // Re-checked: the node may have come back, or its Lease been renewed, while its pods were being listed.
    if (v == null || !v.silent() || since == null || v.maintenance() || down.containsKey(node)
        || toldBefore != null && toldBefore.containsKey(node)
        || !pastGrace(since, now) || (lease != null && lease.renewedAt(now))) {
      return null;
    }
    if (statefulSetPods.isEmpty()) {
      noPodsUntil.put(node, now.plus(recheckWithoutPods));
      return null;
    }
    Instant renewed = lease == null ? null : lease.renewTime();
    String reason = v.readyReason() + " since " + since + " (" + Duration.between(since, now).toSeconds()
        + " s, grace " + grace.toSeconds() + " s); " + (renewed == null ? "no Lease" : "Lease last renewed at "
        + renewed) + "; " + statefulSetPods.size() + " StatefulSet pod(s) stuck on it";
    Down d = new Down(node, since, renewed, reason, List.copyOf(statefulSetPods),
        lease == null ? null : lease.lastRenewal());
    down.put(node, d);
    return d;
  }

  /** Listing a suspect's pods failed: it is a suspect again at the next pass. */
  public void listFailed(String node) {
    listing.remove(node);
  }

  /**
   * The answer to an {@link EndOutOfService}: removed, or not (refused or failed: asked again on a pass
   * 10 s later).
   */
  public void outOfServiceEnded(String node, String ticket, boolean removed, Instant now) {
    guards.outOfServiceEnded(node, ticket, removed, now);
  }

  public Guard guard(Instant now) {
    return new Guard(nodesSynced && leasesSynced, NodeGuards.down(nodes.values(), leases, now), nodes.size(),
        guards.held());
  }

  /** The most of {@code total} nodes that may be down while recovery is allowed. */
  public static int mostDown(int total, double maxDownShare) {
    return NodeGuards.mostDown(total, maxDownShare);
  }

  /** The node's labels as last seen; none for a node not (or no longer) known. */
  public Map<String, String> labels(String node) {
    NodeView v = nodes.get(node);
    return v == null ? Map.of() : v.labels();
  }

  /** Nodes reported down and not recovered. */
  public Set<String> downNodes() {
    return Set.copyOf(down.keySet());
  }

  /** Longer than the grace, not equal: "not Ready for longer than grace". */
  private boolean pastGrace(Instant since, Instant now) {
    return Duration.between(since, now).compareTo(grace) > 0;
  }

  private Instant notReadySince(NodeView v) {
    return v.notReadySince() != null ? v.notReadySince() : firstSeenNotReady.get(v.name());
  }
}
