package dev.takeover.cluster;

import dev.takeover.engine.NodeRecord;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@link DeadNodes} is told of the cluster's objects ({@link NodeView}, {@link LeaseView}), read from them as
 * {@link DeadNodeWatch} gets them.
 */
final class NodeViews {
  /** The kubelet's default leaseDurationSeconds, for a Lease that does not say. */
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(40);

  /**
   * A node as the watch saw it.
   *
   * @param notReadySince the Ready condition's lastTransitionTime when it is not True; null if the node does not say
   * @param readyReason   the Ready condition's status, reason and message, for the report ("" when Ready)
   * @param maintenance   a run of Takeover works on it or holds it drained (its record; not a failed run's)
   * @param outOfService  the recover ticket of Takeover's out-of-service marker on it, null when it has none
   * @param labels        its labels: its dead-node policy
   */
  public record NodeView(String name, boolean ready, Instant notReadySince, String readyReason, boolean maintenance,
                         String outOfService, Map<String, String> labels) {
    public NodeView {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public NodeView(String name, boolean ready, Instant notReadySince, String readyReason, boolean maintenance,
                    String outOfService) {
      this(name, ready, notReadySince, readyReason, maintenance, outOfService, Map.of());
    }

    public NodeView(String name, boolean ready, Instant notReadySince, String readyReason, boolean maintenance) {
      this(name, ready, notReadySince, readyReason, maintenance, null);
    }

    /**
     * Its kubelet is not heard: Ready is Unknown (the node lifecycle controller's verdict when status stops coming,
     * on its own clock) or absent. Ready=False is posted by a kubelet that runs: never silent, whatever a Lease's
     * renewTime (the kubelet's clock, which may be off) says.
     */
    public boolean silent() {
      return !ready && !readyReason.startsWith("Ready False");
    }
  }

  /**
   * A node's Lease: when it was last renewed (null: never), for how long that holds (null: the default), when this
   * process saw that renewTime (null: not known), and whether that was a change it saw (a renewal after one it had
   * seen) rather than the first sight of it.
   */
  public record LeaseView(Instant renewTime, Duration duration, Instant seenAt, boolean changeSeen) {
    public LeaseView(Instant renewTime, Duration duration) {
      this(renewTime, duration, null, false);
    }

    public LeaseView(Instant renewTime, Duration duration, Instant seenAt) {
      this(renewTime, duration, seenAt, false);
    }

    /**
     * When the kubelet last renewed it, on this process's clock: renewTime is the kubelet's clock, which may run
     * ahead or behind (Kubernetes' node lifecycle controller goes by when it saw the Lease change, for the same
     * reason). A renewal seen as it happened counts from when it was seen; one first seen in a list counts from its
     * renewTime, but never from later than when it was seen.
     */
    public Instant lastRenewal() {
      if (renewTime == null || seenAt == null) {
        return renewTime;
      }
      return changeSeen || seenAt.isBefore(renewTime) ? seenAt : renewTime;
    }

    /** Its last renewal holds at {@code now}. */
    boolean renewedAt(Instant now) {
      Instant from = lastRenewal();
      return from != null && from.plus(duration == null ? DEFAULT_LEASE : duration).isAfter(now);
    }

    /** This Lease as seen after {@code before}: the same renewal keeps when it was first seen; a new one is a change. */
    LeaseView after(LeaseView before) {
      if (before == null || seenAt == null) {
        return this;
      }
      return java.util.Objects.equals(before.renewTime(), renewTime) ? before
          : new LeaseView(renewTime, duration, seenAt, true);
    }
  }

  private NodeViews() {}

  static boolean ofStatefulSet(Pod pod) {
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(o -> "StatefulSet".equals(o.getKind())
        && Boolean.TRUE.equals(o.getController()));
  }

  static NodeViews.NodeView view(Node node) {
    NodeCondition ready = node.getStatus() == null || node.getStatus().getConditions() == null ? null
        : node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    boolean isReady = ready != null && "True".equals(ready.getStatus());
    Instant since = null;
    String reason = "";
    if (!isReady) {
      since = ready == null ? null : instant(ready.getLastTransitionTime());
      reason = ready == null ? "no Ready condition" : "Ready " + ready.getStatus()
          + (ready.getReason() == null ? "" : " (" + ready.getReason() + ")");
    }
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    String outOfService = annotations == null ? null : annotations.get(NodeRecord.OUT_OF_SERVICE);
    NodeRecord record = NodeRecord.read(node);
    return new NodeViews.NodeView(node.getMetadata().getName(), isReady, since, reason,
        record != null && record.underMaintenance(), outOfService, node.getMetadata().getLabels());
  }

  /** The Lease as seen {@code now}. */
  static NodeViews.LeaseView lease(Lease lease, Instant now) {
    if (lease.getSpec() == null) {
      return new NodeViews.LeaseView(null, null, now);
    }
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    return new NodeViews.LeaseView(lease.getSpec().getRenewTime() == null ? null
        : lease.getSpec().getRenewTime().toInstant(), seconds == null ? null : Duration.ofSeconds(seconds), now);
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null; // counted from when it was first seen not Ready
    }
  }
}
