package dev.takeover.config;

/** What happens to the node when the drain or the confirmation fails. */
public enum FailurePolicy {
  /** Make it schedulable again (if Takeover cordoned it): the cluster keeps its capacity. */
  UNCORDON,
  /** Leave it cordoned for a human to look at; the run's failure event says so. */
  KEEP_CORDONED
}
