package dev.takeover.engine.recover;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.config.RecoveryConfig.Policy;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a node may be recovered now, as plain Java over what was just read (no I/O, no clock of its own). The
 * rules, in the order they are told:
 * <ol>
 *   <li>its dead-node policy allows it: {@code notify} never; a recovery Takeover asked for itself only under
 *   {@code automatic};</li>
 *   <li>it is down: Ready Unknown (the node lifecycle controller no longer hears its kubelet, judged on its own
 *   clock; Ready False is the kubelet's own word, so it runs), and its Lease in kube-node-lease not renewed
 *   (renewTime + leaseDurationSeconds past) — a renewed Lease means a kubelet that runs, whatever Ready says;</li>
 *   <li>its Lease has gone unrenewed for {@code recoverAfter} (a node without a Lease: since Ready last changed);</li>
 *   <li>it is not under a Takeover maintenance (cordoned on purpose, its run watching it);</li>
 *   <li>no more than {@code maxDownShare} of the nodes are down at once: beyond that a partition or a control-plane
 *   problem is likelier than that many dead machines, and acting would move pods away from nodes that still run;</li>
 *   <li>there is evidence it is off: a fencing hook to call, or the requester's statement that it is powered off.</li>
 * </ol>
 * Then its StatefulSet pods are the ones stuck; none stuck means nothing to do.
 */
public final class RecoverDecision {
  /** The source of the recover tickets Takeover makes itself under the automatic policy. */
  public static final String AUTOMATIC_SOURCE = "dead-nodes";
  /** The kubelet's default leaseDurationSeconds, for a Lease that does not say. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(40);

  private RecoverDecision() {}

  /** What to decide on: the node, every node (for the share), the Leases by node name, the node's pods and claims. */
  public record Facts(Node node, List<Node> nodes, Map<String, Lease> leases, List<Pod> pods,
                      List<PersistentVolumeClaim> claims, boolean maintenance, Instant now) {}

  /** Who asks: where the ticket came from, who, and whether they stated the node is powered off. */
  public record Request(String source, String requester, boolean poweredOff, boolean fenceConfigured) {}

  /** A StatefulSet pod stuck on the node, with its claims as bound now. */
  public record Stuck(PodRef pod, List<ClaimBinding> claims) {
    @Override
    public String toString() {
      return pod.key() + (claims.isEmpty() ? "" : " (" + String.join(", ", claims.stream().map(ClaimBinding::toString).toList()) + ")");
    }
  }

  public sealed interface Verdict permits Refused, NothingStuck, Go {}

  /** Not now, and why (one line: what to do about it when something can be done). */
  public record Refused(String reason) implements Verdict {}

  /** The node is down but no StatefulSet pod is stuck on it: nothing to change. */
  public record NothingStuck(String reason) implements Verdict {}

  /** Recover: these pods, with this evidence that the node is off ({@code fence}: call the hook first). */
  public record Go(List<Stuck> pods, boolean fence, String evidence, Duration downFor) implements Verdict {}

  public static Verdict decide(Facts f, Request r, RecoveryConfig config) {
    String name = f.node().getMetadata().getName();
    Policy policy = config.policyOf(f.node().getMetadata().getLabels());
    if (policy == Policy.NOTIFY) {
      return new Refused("the dead-node policy of " + name + " is notify: Takeover only reports it (deadNodes.policy,"
          + " deadNodes.manual, deadNodes.automatic)");
    }
    if (AUTOMATIC_SOURCE.equals(r.source()) && policy != Policy.AUTOMATIC) {
      return new Refused("the dead-node policy of " + name + " is " + policy.label()
          + ": only a requested recovery may act on it, not an automatic one");
    }
    String alive = alive(f.node(), f.leases().get(name), f.now());
    if (alive != null) {
      return new Refused(alive + ": it is not down; nothing was changed");
    }
    Instant silentSince = silentSince(f.node(), f.leases().get(name));
    Duration down = silentSince == null ? Duration.ZERO : Duration.between(silentSince, f.now());
    if (silentSince == null || down.compareTo(config.recoverAfter()) < 0) {
      return new Refused(name + "'s Lease has not been renewed for " + human(down) + "; a recovery waits until it"
          + " has gone unrenewed for deadNodes.recoverAfter (" + human(config.recoverAfter()) + ")"
          + (silentSince == null ? "" : ", at " + silentSince.plus(config.recoverAfter())));
    }
    if (f.maintenance()) {
      return new Refused(name + " is under a Takeover maintenance (takeover.dev/run on the node): it was cordoned on"
          + " purpose and its run is watching it");
    }
    List<String> downNodes = downNodes(f.nodes(), f.leases(), f.now());
    if (config.partitioned(downNodes.size(), f.nodes().size())) {
      return new Refused(downNodes.size() + " of " + f.nodes().size() + " nodes are down (" + String.join(", ", downNodes)
          + "), more than deadNodes.maxDownShare (" + share(config.maxDownShare()) + "): likely a partition or a"
          + " control-plane problem, so Takeover recovers none");
    }
    String evidence;
    if (r.fenceConfigured()) {
      evidence = "the fencing hook powers it off first";
    } else if (r.poweredOff()) {
      evidence = (r.requester().isEmpty() ? "the requester" : r.requester()) + " stated it is powered off";
    } else {
      return new Refused("no evidence that " + name + " is off: without a fencing hook (deadNodes.fencing), the"
          + " request must state it is powered off (options.poweredOff, Slack's confirmation button): two writers"
          + " on one ReadWriteOnce volume corrupt it");
    }
    List<Stuck> stuck = stuck(f.pods(), f.claims());
    if (stuck.isEmpty()) {
      return new NothingStuck("no StatefulSet pod is stuck on " + name + ": nothing to recover, nothing was changed");
    }
    return new Go(stuck, r.fenceConfigured(), evidence, down);
  }

  /**
   * Null when the node is down now; else why it is not ("kube-node02 is Ready", "…'s Lease was renewed at …"). Asked
   * again just before the taint: a node that came back meanwhile is never tainted.
   */
  public static String alive(Node node, Lease lease, Instant now) {
    String name = node.getMetadata().getName();
    if (ready(node)) {
      return name + " is Ready";
    }
    NodeCondition ready = readyCondition(node);
    if (ready != null && "False".equals(ready.getStatus())) {
      // Posted by the kubelet itself: it runs (only the node lifecycle controller writes Unknown, when posts stop,
      // judged on its own clock; a Lease's renewTime is the kubelet's clock, which may be off).
      return name + " reports Ready False" + (ready.getReason() == null ? "" : " (" + ready.getReason() + ")")
          + ": its kubelet runs";
    }
    if (renewed(lease, now)) {
      return name + "'s Lease was renewed at " + lease.getSpec().getRenewTime().toInstant() + " (its kubelet runs)";
    }
    return null;
  }

  /** The nodes down in the guard's sense: not Ready and Lease not renewed (no grace), sorted. */
  public static List<String> downNodes(List<Node> nodes, Map<String, Lease> leases, Instant now) {
    List<String> down = new ArrayList<>();
    for (Node n : nodes) {
      if (alive(n, leases.get(n.getMetadata().getName()), now) == null) {
        down.add(n.getMetadata().getName());
      }
    }
    down.sort(String::compareTo);
    return down;
  }

  /** The StatefulSet pods bound to the node, each with its claims and their volumes as they are now. */
  static List<Stuck> stuck(List<Pod> pods, List<PersistentVolumeClaim> claims) {
    List<Stuck> out = new ArrayList<>();
    for (Pod p : pods) {
      if (!ofStatefulSet(p)) {
        continue;
      }
      List<ClaimBinding> bindings = new ArrayList<>();
      for (Volume v : p.getSpec().getVolumes() == null ? List.<Volume>of() : p.getSpec().getVolumes()) {
        if (v.getPersistentVolumeClaim() == null) {
          continue;
        }
        String claim = v.getPersistentVolumeClaim().getClaimName();
        String volume = claims.stream().filter(c -> c.getMetadata().getName().equals(claim)
                && c.getMetadata().getNamespace().equals(p.getMetadata().getNamespace()))
            .map(c -> c.getSpec() == null ? null : c.getSpec().getVolumeName())
            .filter(x -> x != null && !x.isEmpty()).findFirst().orElse(null);
        bindings.add(new ClaimBinding(claim, volume));
      }
      out.add(new Stuck(PodRef.of(p), List.copyOf(bindings)));
    }
    return out;
  }

  static boolean ofStatefulSet(Pod pod) {
    return pod.getMetadata().getOwnerReferences() != null && pod.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> "StatefulSet".equals(o.getKind()) && Boolean.TRUE.equals(o.getController()));
  }

  public static boolean ready(Node node) {
    return readyCondition(node) != null && "True".equals(readyCondition(node).getStatus());
  }

  private static NodeCondition readyCondition(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
  }

  public static boolean renewed(Lease lease, Instant now) {
    if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
      return false;
    }
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    Duration d = seconds == null ? DEFAULT_LEASE : Duration.ofSeconds(seconds);
    return lease.getSpec().getRenewTime().toInstant().plus(d).isAfter(now);
  }

  /** Since when the node has said nothing: its Lease's last renewal, else when Ready last changed; null: unknown. */
  static Instant silentSince(Node node, Lease lease) {
    if (lease != null && lease.getSpec() != null && lease.getSpec().getRenewTime() != null) {
      return lease.getSpec().getRenewTime().toInstant();
    }
    NodeCondition ready = readyCondition(node);
    try {
      return ready == null || ready.getLastTransitionTime() == null ? null : Instant.parse(ready.getLastTransitionTime());
    } catch (RuntimeException e) {
      return null;
    }
  }

  public static String human(Duration d) {
    long s = d.toSeconds();
    return s < 120 ? s + " s" : s < 7200 ? (s / 60) + " min " + (s % 60) + " s" : (s / 3600) + " h " + (s % 3600 / 60) + " min";
  }

  private static String share(double s) {
    return Math.abs(s - 1.0 / 3) < 1e-9 ? "1/3" : Double.toString(s);
  }
}
