package dev.takeover.engine;

import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.WatchHealth;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * What a run tells about its watches: all its waits share one report, so a cause that fails every watch of the
 * run (an old etcd, a proxy) is one line, not one per pod; it is told again only when the cause changes.
 */
final class WatchReport implements WatchHealth {
  private final EventStream events;
  private final RunId run;
  private final Clock clock;
  private final Set<String> failing = new HashSet<>();
  private String lastCause;
  private final java.util.List<io.vertx.core.Future<Void>> verdicts = new java.util.ArrayList<>();

  WatchReport(EventStream events, RunId run, Clock clock) {
    this.events = events;
    this.run = run;
    this.clock = clock;
  }

  @Override
  public void failing(String what, String cause, Duration listingEvery) {
    String kind = cause.replaceAll("[0-9]+(\\.[0-9]+)?", "#"); // "after 1.2 s and 3 events" is one cause
    if (!kind.equals(lastCause)) {
      lastCause = kind;
      failing.add(what); // only what was told can be told to work again
      events.publish(new EngineEvent.WatchFailing(run, clock.instant(), what, cause, listingEvery));
    }
  }

  @Override
  public dev.takeover.logs.RunKeys logKeys() {
    return run.keys();
  }

  @Override
  public void judging(io.vertx.core.Future<Void> verdict) {
    verdicts.add(verdict);
  }

  /**
   * Completes once every watch still being judged has its verdict (at most about a second: only a watch whose
   * wait a list settled has one pending), so that a silent watch is told before the run's end, not after it.
   */
  io.vertx.core.Future<Void> settled() {
    return io.vertx.core.Future.join(new java.util.ArrayList<>(verdicts)).<Void>mapEmpty().otherwiseEmpty();
  }

  @Override
  public void recovered(String what) {
    if (failing.remove(what)) {
      lastCause = null;
      events.publish(new EngineEvent.WatchRecovered(run, clock.instant(), what));
    }
  }
}
