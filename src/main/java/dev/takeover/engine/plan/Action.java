package dev.takeover.engine.plan;

/** What the drain does with one pod. */
public enum Action {
  /** Evicted through the Eviction API, which honours PodDisruptionBudgets; the drain waits until it is gone. */
  EVICT,
  /** A finished pod: deleted, nothing to wait for. */
  DELETE,
  /** Left alone: a DaemonSet or mirror pod, which the drain cannot or must not remove. */
  LEAVE,
  /** Blocks the run: evicting it would lose something the operator did not agree to lose. */
  REFUSE
}
