package dev.takeover.kube;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Counts one watch's failures in a row and tells {@link WatchHealth}: after {@value #TO_REPORT} in a row (or at once
 * for a certain one, such as a silent watch), once per cause, and again only when the cause changes; and when the
 * watch works again.
 */
final class WatchFailures {
  private static final Logger LOG = LoggerFactory.getLogger(WatchFailures.class);
  static final int TO_REPORT = 2;

  private final String what;
  private final Duration listEvery;
  private final WatchHealth health;
  private int inRow;
  private String reportedAs;

  WatchFailures(String what, Duration listEvery, WatchHealth health) {
    this.what = what;
    this.listEvery = listEvery;
    this.health = health;
  }

  void failed(String cause, boolean certain) {
    inRow++;
    try (dev.takeover.logs.RunKeys.Scope ignored = health.logKeys().open()) {
      LOG.info("watch of {} failed ({} in a row): {}", what, inRow, cause);
      if (certain || inRow >= TO_REPORT) {
        String kind = cause.replaceAll("[0-9]+(\\.[0-9]+)?", "#"); // "after 1.2 s and 3 events" is one cause
        if (!kind.equals(reportedAs)) {
          reportedAs = kind;
          // Told to the operator through WatchHealth (the run's events); the log says it only with --verbose.
          LOG.info("watch of {} failing ({}); checking by listing every {} s", what, cause, listEvery.toSeconds());
          health.failing(what, cause, listEvery);
        }
      }
    }
  }

  /** A watch that stayed open a whole listing period, or ran to its timeout: the failures in a row are over. */
  void healthy() {
    inRow = 0;
    if (reportedAs != null) {
      reportedAs = null;
      health.recovered(what);
    }
  }

  int inRow() {
    return inRow;
  }
}
