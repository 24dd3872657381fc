package dev.takeover.kube;

import java.time.Duration;

/**
 * Told when a watch keeps failing and when it works again, so that the operator sees it without --verbose. A
 * failing watch does not stop anything: the list-watch settles its wait by listing until it works again.
 */
public interface WatchHealth {
  /** {@code what} (e.g. "pods on kube-node02") is failing for {@code cause}; it is now checked by listing. */
  void failing(String what, String cause, Duration listingEvery);

  /**
   * A closed list-watch still owes changes a list found: {@code verdict} completes (within a second) once it is
   * judged, so that a caller about to finish can let the verdict be told first.
   */
  default void judging(io.vertx.core.Future<Void> verdict) {}

  /** {@code what} works again after it was reported failing. */
  void recovered(String what);

  /** The names of the run whose waits these watches serve, for the lines the watches log; none by default. */
  default dev.takeover.logs.RunKeys logKeys() {
    return dev.takeover.logs.RunKeys.NONE;
  }

  /** The health of a daemon's own long-lived watches: told in its log (a run's watches are told as events). */
  static WatchHealth logged(org.slf4j.Logger log) {
    return new WatchHealth() {
      @Override
      public void failing(String what, String cause, Duration listingEvery) {
        log.warn("watch of {} failing ({}); checking by listing every {} s", what, cause, listingEvery.toSeconds());
      }

      @Override
      public void recovered(String what) {
        log.info("watch of {} works again", what);
      }
    };
  }
}
