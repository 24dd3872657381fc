package dev.takeover.config;

import java.time.Duration;

/**
 * The engine's settings, built once (command line now, config file and environment later) and passed in.
 *
 * @param drainTimeout          default for how long the drain may take, PDB waits included
 * @param confirmTimeout        default for how long moved StatefulSet pods may take to be Ready elsewhere
 * @param maxNodesInMaintenance how many nodes may be cordoned at once, this one included
 * @param onFailure             what to do with the node when drain or confirm fails
 * @param evictionBackoff       retry pacing for evictions refused by a PodDisruptionBudget
 * @param kubeWorkers           size of the worker pool for blocking Kubernetes calls
 * @param relistPeriod          how often every wait lists what it waits for, whatever its watch says: with
 *                              watches that never work, a run is at most about this much slower per wait
 * @param nodeLease             how long a node's guard Lease lasts unrenewed (renewed every third of it): how long a
 *                              run resumed after its holder died waits for it; whole seconds, as the Lease declares
 *                              it. Not a setting of the file: production's 15 s, shorter only in tests
 */
public record EngineConfig(Duration drainTimeout, Duration confirmTimeout, int maxNodesInMaintenance,
                           FailurePolicy onFailure, Backoff evictionBackoff, int kubeWorkers, Duration relistPeriod,
                           Duration nodeLease) {
  /** Production's node guard Lease, as the kubelets' own node Leases and the leader election's. */
  public static final Duration NODE_LEASE = Duration.ofSeconds(15);

  public EngineConfig {
    if (drainTimeout.isNegative() || drainTimeout.isZero() || confirmTimeout.isNegative() || confirmTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (maxNodesInMaintenance < 1) {
      throw new IllegalArgumentException("maxNodesInMaintenance must be at least 1, got " + maxNodesInMaintenance);
    }
    if (relistPeriod.isNegative() || relistPeriod.isZero()) {
      throw new IllegalArgumentException("relistPeriod must be positive");
    }
    if (kubeWorkers < 1) {
      throw new IllegalArgumentException("kubeWorkers must be at least 1, got " + kubeWorkers);
    }
    if (nodeLease.toSeconds() < 1 || nodeLease.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException("nodeLease must be whole seconds, at least 1, got " + nodeLease);
    }
  }

  /** With production's node Lease. */
  public EngineConfig(Duration drainTimeout, Duration confirmTimeout, int maxNodesInMaintenance,
                      FailurePolicy onFailure, Backoff evictionBackoff, int kubeWorkers, Duration relistPeriod) {
    this(drainTimeout, confirmTimeout, maxNodesInMaintenance, onFailure, evictionBackoff, kubeWorkers, relistPeriod,
        NODE_LEASE);
  }

  /**
   * Drain 10 min, confirm 10 min, one node at a time, uncordon on failure, 5 s PDB backoff, 16 workers, re-list every
   * 5 s, node Leases of 15 s.
   */
  public static EngineConfig defaults() {
    return new EngineConfig(Duration.ofMinutes(10), Duration.ofMinutes(10), 1, FailurePolicy.UNCORDON,
        Backoff.defaults(), 16, Duration.ofSeconds(5));
  }

  public EngineConfig withRelistPeriod(Duration d) {
    return new EngineConfig(drainTimeout, confirmTimeout, maxNodesInMaintenance, onFailure, evictionBackoff,
        kubeWorkers, d, nodeLease);
  }

  public EngineConfig withDrainTimeout(Duration d) {
    return new EngineConfig(d, confirmTimeout, maxNodesInMaintenance, onFailure, evictionBackoff, kubeWorkers,
        relistPeriod, nodeLease);
  }

  public EngineConfig withConfirmTimeout(Duration d) {
    return new EngineConfig(drainTimeout, d, maxNodesInMaintenance, onFailure, evictionBackoff, kubeWorkers,
        relistPeriod, nodeLease);
  }

  public EngineConfig withMaxNodesInMaintenance(int n) {
    return new EngineConfig(drainTimeout, confirmTimeout, n, onFailure, evictionBackoff, kubeWorkers,
        relistPeriod, nodeLease);
  }

  public EngineConfig withOnFailure(FailurePolicy p) {
    return new EngineConfig(drainTimeout, confirmTimeout, maxNodesInMaintenance, p, evictionBackoff, kubeWorkers,
        relistPeriod, nodeLease);
  }

  public EngineConfig withEvictionBackoff(Backoff b) {
    return new EngineConfig(drainTimeout, confirmTimeout, maxNodesInMaintenance, onFailure, b, kubeWorkers,
        relistPeriod, nodeLease);
  }

  public EngineConfig withNodeLease(Duration d) {
    return new EngineConfig(drainTimeout, confirmTimeout, maxNodesInMaintenance, onFailure, evictionBackoff,
        kubeWorkers, relistPeriod, d);
  }
}
