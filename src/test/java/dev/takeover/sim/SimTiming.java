package dev.takeover.sim;

import java.time.Duration;

/**
 * How long the simulated kubelets take.
 *
 * @param podStartDelay    from a pod bound to a node to it Running and Ready (the recorded cluster: 2 s)
 * @param terminationDelay from a pod's deletionTimestamp to the kubelet's final delete, capped by the pod's own
 *                         grace period (the recorded cluster: 1 s)
 */
public record SimTiming(Duration podStartDelay, Duration terminationDelay) {

  public SimTiming {
    if (podStartDelay.isNegative() || terminationDelay.isNegative()) {
      throw new IllegalArgumentException("delays must not be negative");
    }
  }

  /** For tests: tens of milliseconds. */
  public static SimTiming fast() {
    return new SimTiming(Duration.ofMillis(30), Duration.ofMillis(20));
  }

  /** For the demo: about what a small real cluster shows. */
  public static SimTiming realistic() {
    return new SimTiming(Duration.ofSeconds(1), Duration.ofMillis(500));
  }
}
