package dev.takeover.sim;

import java.time.Duration;

/**
 * How long the simulated kubelets and the node lifecycle take, and how often the periodic controllers look.
 *
 * @param podStartDelay      from a pod bound to a node to it Running and Ready (the recorded cluster: 2 s)
 * @param terminationDelay   from a pod's deletionTimestamp to the kubelet's final delete, capped by the pod's own
 *                           grace period (the recorded cluster: 1 s)
 * @param leaseRenewInterval how often a live node's kubelet renews its Lease (Kubernetes: 10 s)
 * @param leaseDuration      the Lease's leaseDurationSeconds, whole seconds (Kubernetes: 40 s)
 * @param nodeMonitorGrace   how long after the last renewal a stopped node goes Unknown with the unreachable
 *                           NoSchedule taint (kube-controller-manager's node-monitor-grace-period: 50 s in v1.32,
 *                           as recorded in watch/node-dies.jsonl)
 * @param nodeMonitorPeriod  how often the node lifecycle controller looks at the nodes' health (monitorNodeHealth,
 *                           --node-monitor-period: 5 s): a stopped node goes Unknown on the first look after the grace
 * @param noExecuteDelay     from the NoSchedule taint to the NoExecute one (recorded: about 5 s, the next pass of
 *                           the node lifecycle controller)
 * @param podGcPeriod        how often the pod garbage collector runs (gcCheckPeriod: 20 s, fixed): a terminating pod
 *                           on an out-of-service node is force-deleted on its next run, not at once
 * @param attachDelay        from a CSI VolumeAttachment created to its status.attached (the external-attacher's
 *                           ControllerPublish: a few seconds for a cloud disk)
 * @param detachDelay        from a VolumeAttachment deleted to it gone (the external-attacher's ControllerUnpublish,
 *                           then it removes its finalizer: a few seconds for a cloud disk); meanwhile it is there
 *                           with a deletionTimestamp and the volume counts as attached
 * @param maxWaitForUnmount  how long the attach-detach controller waits for a volume still mounted on a node that
 *                           is not Ready before it detaches anyway (kube-controller-manager: 6 min, fixed); the
 *                           out-of-service taint skips the wait
 * @param disableForceDetachOnTimeout kube-controller-manager's --disable-force-detach-on-timeout (1.30+, default
 *                           false): when true, maxWaitForUnmount never detaches; only the out-of-service taint does
 */
public record SimTiming(Duration podStartDelay, Duration terminationDelay, Duration leaseRenewInterval,
                        Duration leaseDuration, Duration nodeMonitorGrace, Duration nodeMonitorPeriod,
                        Duration noExecuteDelay, Duration podGcPeriod, Duration attachDelay, Duration detachDelay,
                        Duration maxWaitForUnmount, boolean disableForceDetachOnTimeout) {

  public SimTiming {
    for (Duration d : new Duration[] {podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration,
        nodeMonitorGrace, nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay,
        maxWaitForUnmount}) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("delays must not be negative");
      }
    }
    if (leaseDuration.toSeconds() < 1 || nodeMonitorGrace.compareTo(leaseDuration) < 0) {
      throw new IllegalArgumentException("a lease lasts at least 1 s, and the grace at least the lease: as Kubernetes");
    }
  }

  /**
   * Kubelet delays as given; a node's death in the same order as Kubernetes, about 20 times faster (pod GC's period
   * too); the 6 min wait for a dead node's volume, about 100 times faster (3 s).
   */
  public SimTiming(Duration podStartDelay, Duration terminationDelay) {
    // Renewals once a second, not faster: each is a write every watch and controller pass sees, on every node.
    this(podStartDelay, terminationDelay, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(2500),
        Duration.ofMillis(250), Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofMillis(50),
        Duration.ofMillis(50), Duration.ofSeconds(3), false);
  }

  /** For tests: tens of milliseconds for pods; a stopped node is unreachable 2.5 to 2.75 s after its last renewal. */
  public static SimTiming fast() {
    return new SimTiming(Duration.ofMillis(30), Duration.ofMillis(20));
  }

  /** For the demo: about what a small real cluster shows, a node's death as long as Kubernetes' defaults. */
  public static SimTiming realistic() {
    return new SimTiming(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(40),
        Duration.ofSeconds(50), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(20),
        Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofMinutes(6), false);
  }

  /** The same timing with other volume attachment times (e.g. a long maxWaitForUnmount in fast timing). */
  public SimTiming withVolumeAttachment(Duration attachDelay, Duration maxWaitForUnmount) {
    return new SimTiming(podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration, nodeMonitorGrace,
        nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay, maxWaitForUnmount,
        disableForceDetachOnTimeout);
  }

  /** The same timing with another ControllerUnpublish time (a VolumeAttachment that lingers while deleted). */
  public SimTiming withDetachDelay(Duration detachDelay) {
    return new SimTiming(podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration, nodeMonitorGrace,
        nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay, maxWaitForUnmount,
        disableForceDetachOnTimeout);
  }

  /** The same timing with pod GC running this often. */
  public SimTiming withPodGcPeriod(Duration podGcPeriod) {
    return new SimTiming(podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration, nodeMonitorGrace,
        nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay, maxWaitForUnmount,
        disableForceDetachOnTimeout);
  }

  /** The same timing with the node lifecycle controller looking this often. */
  public SimTiming withNodeMonitorPeriod(Duration nodeMonitorPeriod) {
    return new SimTiming(podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration, nodeMonitorGrace,
        nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay, maxWaitForUnmount,
        disableForceDetachOnTimeout);
  }

  /** The same timing on a kube-controller-manager run with --disable-force-detach-on-timeout={@code disabled}. */
  public SimTiming withDisableForceDetachOnTimeout(boolean disabled) {
    return new SimTiming(podStartDelay, terminationDelay, leaseRenewInterval, leaseDuration, nodeMonitorGrace,
        nodeMonitorPeriod, noExecuteDelay, podGcPeriod, attachDelay, detachDelay, maxWaitForUnmount, disabled);
  }
}
