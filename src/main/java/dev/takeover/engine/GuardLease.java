package dev.takeover.engine;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static dev.takeover.engine.NodeGuard.MANAGED_BY;
import static dev.takeover.engine.NodeGuard.NAMESPACE;
import static dev.takeover.engine.NodeGuard.leaseName;

/**
 * A node's guard Lease as {@link NodeGuard} writes and reads it: who holds it (this process's identity), for how long,
 * which run (annotations {@code takeover.dev/run}, {@code takeover.dev/ticket}, for the refusal's message).
 */
final class GuardLease {
  private final String identity;
  private final Duration duration;
  private final Clock clock;

  GuardLease(String identity, Duration duration, Clock clock) {
    this.identity = identity;
    this.duration = duration;
    this.clock = clock;
  }

  String takenBy(String node, Lease lease, Instant now) {
    String run = lease.getMetadata().getAnnotations() == null ? null
        : lease.getMetadata().getAnnotations().get(NodeRecord.RUN);
    return "node " + node + " is held by " + holder(lease) + (run == null ? "" : " (" + run + ")")
        + ": Lease " + NAMESPACE + "/" + leaseName(node) + " renewed " + ago(renewedAt(lease), now)
        + "; one process acts on a node at a time (if that holder is gone for good: kubectl -n " + NAMESPACE
        + " delete lease " + leaseName(node) + ")";
  }

  private static String ago(Instant then, Instant now) {
    long s = Duration.between(then, now).toSeconds();
    return s >= 0 ? s + " s ago" : "at " + then + " (its clock is ahead of ours)";
  }

  Lease fresh(String node, Run run) {
    return new LeaseBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(leaseName(node))
        .addToLabels(MANAGED_BY, "takeover").addToAnnotations(NodeRecord.RUN, run.id.run())
        .addToAnnotations(NodeRecord.TICKET, run.id.ticket()).endMetadata()
        .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds((int) duration.toSeconds())
        .withAcquireTime(micro(clock.instant())).withRenewTime(micro(clock.instant())).withLeaseTransitions(0)
        .endSpec().build();
  }

  Lease taken(Lease now, Run run) {
    boolean transition = !identity.equals(holder(now));
    Integer transitions = now.getSpec().getLeaseTransitions();
    return new LeaseBuilder(now).editMetadata().addToLabels(MANAGED_BY, "takeover")
        .addToAnnotations(NodeRecord.RUN, run.id.run()).addToAnnotations(NodeRecord.TICKET, run.id.ticket())
        .endMetadata()
        .editSpec().withHolderIdentity(identity).withLeaseDurationSeconds((int) duration.toSeconds())
        .withAcquireTime(transition ? micro(clock.instant()) : now.getSpec().getAcquireTime())
        .withRenewTime(micro(clock.instant()))
        .withLeaseTransitions((transitions == null ? 0 : transitions) + (transition ? 1 : 0)).endSpec().build();
  }

  Lease renewed(Lease now) {
    return new LeaseBuilder(now).editSpec().withRenewTime(micro(clock.instant())).endSpec().build();
  }

  Lease cleared(Lease now) {
    return new LeaseBuilder(now).editSpec().withHolderIdentity(null).withRenewTime(micro(clock.instant())).endSpec()
        .build();
  }

  /**
   * Whether Takeover made this Lease (its label), rather than a kubelet whose node's name has our prefix; a kubelet
   * also makes its Node the owner of its Lease, even of one it found already there.
   */
  static boolean ours(Lease lease) {
    java.util.Map<String, String> labels = lease.getMetadata().getLabels();
    return labels != null && "takeover".equals(labels.get(MANAGED_BY))
        && (lease.getMetadata().getOwnerReferences() == null || lease.getMetadata().getOwnerReferences().isEmpty());
  }

  static String holder(Lease lease) {
    return lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null ? ""
        : lease.getSpec().getHolderIdentity();
  }

  /** The same holder and renewal as before: nobody renewed it meanwhile. */
  static boolean sameRecord(Lease a, Lease b) {
    return holder(a).equals(holder(b)) && renewedAt(a).equals(renewedAt(b))
        && java.util.Objects.equals(a.getMetadata().getResourceVersion(), b.getMetadata().getResourceVersion());
  }

  static Instant renewedAt(Lease lease) {
    ZonedDateTime t = lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
    return t == null ? Instant.EPOCH : t.toInstant();
  }

  static Duration leaseDuration(Lease lease) {
    Integer s = lease.getSpec() == null ? null : lease.getSpec().getLeaseDurationSeconds();
    return Duration.ofSeconds(s == null ? 15 : s);
  }

  private static ZonedDateTime micro(Instant t) {
    return t.atZone(ZoneOffset.UTC);
  }
}
