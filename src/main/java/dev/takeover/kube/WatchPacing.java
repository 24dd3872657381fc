package dev.takeover.kube;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The bookkeeping of one {@link ListWatch} that says <em>when</em>: how long the server is asked to keep a watch
 * open, when a failed watch is opened again (backoff by failures in a row), when the scope is listed again (the
 * jittered safety re-list), when the silent-watch check runs, and the failures in a row that drive the backoff and
 * are told to {@link WatchHealth}. The list-watch decides <em>what</em> happens when a timer fires; all of it runs
 * on the owner's context.
 */
final class WatchPacing {
  private final Vertx vertx;
  private final Duration listEvery;
  private final DoubleSupplier random;
  private final WatchFailures failures;
  private int goneInRow;
  private long relistTimer = -1;
  private long reopenTimer = -1;
  private long missTimer = -1;

  WatchPacing(Vertx vertx, String what, Duration listEvery, WatchHealth health, DoubleSupplier random) {
    this.vertx = vertx;
    this.listEvery = listEvery;
    this.random = random;
    this.failures = new WatchFailures(what, listEvery, health);
  }

  Duration listEvery() {
    return listEvery;
  }

  /** As client-go: the server ends a watch after 5 to 10 min, and it is opened again from the last version. */
  long watchTimeoutSeconds() {
    return 300 + (long) (300 * random.getAsDouble());
  }

  /**
   * Runs {@code open} after {@code delayMs} (-1: backoff by failures in a row, at most one listing period; a
   * server's Retry-After is honoured, but never below the backoff once failures repeat), unless a reopen is
   * already pending. A delay of 0 runs it now.
   */
  void reopen(long delayMs, Runnable open) {
    if (reopenTimer != -1) {
      return;
    }
    long backoff = failures.inRow() <= 1 ? 0 : Math.min(listEvery.toMillis(), 500L << Math.min(10, failures.inRow() - 2));
    long delay = Math.max(delayMs, backoff);
    if (delay == 0) {
      open.run();
      return;
    }
    reopenTimer = vertx.setTimer(delay, t -> {
      reopenTimer = -1;
      open.run();
    });
  }

  boolean reopenPending() {
    return reopenTimer != -1;
  }

  /** Runs {@code relist} once, about one listing period from now. */
  void relist(Runnable relist) {
    // Jittered by ±20 %, so that many waits do not list in step.
    long delay = (long) (listEvery.toMillis() * (0.8 + 0.4 * random.getAsDouble()));
    relistTimer = vertx.setTimer(Math.max(1, delay), t -> {
      relistTimer = -1;
      relist.run();
    });
  }

  /** Runs {@code judge} after {@code delayMs} (at least 1), unless a check is already armed. */
  void checkMisses(long delayMs, Runnable judge) {
    if (missTimer == -1) {
      missTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
        missTimer = -1;
        judge.run();
      });
    }
  }

  void cancelMissCheck() {
    vertx.cancelTimer(missTimer);
    missTimer = -1;
  }

  /** Closed: no more reopening or re-listing (a pending silent-watch check still runs). */
  void stopRetrying() {
    vertx.cancelTimer(relistTimer);
    vertx.cancelTimer(reopenTimer);
    relistTimer = -1;
    reopenTimer = -1;
  }

  void failed(String cause, boolean certain) {
    failures.failed(cause, certain);
  }

  int failuresInRow() {
    return failures.inRow();
  }

  /** A watch that stayed open a whole listing period, or ran to its timeout: the failures in a row are over. */
  void healthy() {
    goneInRow = 0;
    failures.healthy();
  }

  /** A 410 Gone; returns how many came in a row. */
  int gone() {
    return ++goneInRow;
  }

  /** The watch delivered a change: the 410s in a row are over. */
  void delivered() {
    goneInRow = 0;
  }
}
