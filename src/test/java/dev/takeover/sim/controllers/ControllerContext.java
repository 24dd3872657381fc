package dev.takeover.sim.controllers;

import dev.takeover.sim.SimTiming;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;

/** What a {@link Controller} may use: the API, the timing, the clock, timers, and which nodes are stopped. */
public interface ControllerContext {
  KubernetesClient client();

  SimTiming timing();

  Instant now();

  /** Runs another pass after {@code delay} (a pending timer keeps the cluster from being settled). */
  void wakeAfter(Duration delay);

  /**
   * Runs another pass at {@code due} for {@code key} (one timer a key and time, however many passes ask). A due
   * beyond {@link ControllerLoop#SOON} does not keep the cluster from being settled: a 300 s toleration is not
   * something a test waits for.
   */
  void wakeAt(String key, Instant due);

  /** True while the node's machine is stopped ({@code SimulatedCluster.stopNode}). */
  boolean isStopped(String nodeName);

  EventRecorder events();
}
