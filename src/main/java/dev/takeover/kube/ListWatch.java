package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Keeps a caller informed about a narrow {@link WatchScope} the way client-go's reflector does, and then some:
 * <ol>
 *   <li>list, then watch from the list's resourceVersion (no gap, no flood of synthetic ADDED events, and never
 *   the watch-list path that old etcd answers with HTTP 500);</li>
 *   <li>ERROR events are handled, not retried blind: 410 Gone (a compacted version) lists again; anything else
 *   counts as a failure and the watch reopens from the last version seen;</li>
 *   <li>a safety re-list every {@code listEvery} (jittered) settles whatever the watch missed, so a wait never
 *   depends on the watch alone: with watches that never work, the caller is only slower;</li>
 *   <li>a watch that keeps failing, or that stays silent while a list finds changes, is reported to
 *   {@link WatchHealth} once, and again only when the cause changes.</li>
 * </ol>
 * Everything runs on the owner's context; the listener is called there.
 */
public final class ListWatch<T extends HasMetadata> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListWatch.class);
  /**
   * A change a list found must come through the open watch within this, or the watch is missing events (sooner
   * when the watch shows progress past it). Lists are read from etcd and watches from the watch cache, which may
   * lag: kube-apiserver itself allows it 3 s.
   */
  static final Duration MISS_GRACE = Duration.ofSeconds(3);

  /** What the caller hears. Both may bring an object it has already seen: callers are idempotent. */
  public interface Listener<T> {
    /** Every object of the scope as one list found them (the first list and each safety re-list). */
    void listed(List<T> items);

    /** A change seen through the watch. */
    void changed(Watcher.Action action, T object);
  }

  private final Context context;
  private final KubeCalls calls;
  private final WatchScope<T> scope;
  private final Duration listEvery;
  private final Listener<T> listener;
  private final WatchHealth health;
  private final DoubleSupplier random;
  private final Clock clock;

  private boolean closed;
  private String resourceVersion;
  private WatchConnection watch;
  private boolean opening;
  private long watchFrom = -1;
  private long watchOpenedAt;
  private int watchEvents;
  private int goneInRow;
  private long relistTimer = -1;
  private long reopenTimer = -1;
  private long missTimer = -1;
  private Instant lastListed;
  /** The version of the newest list applied: an older answer (lists overlap) is not applied after it. */
  private long newestList = -1;
  private final WatchAudit audit = new WatchAudit(MISS_GRACE);
  /** Completes when a closed list-watch has been judged (at once, unless it lingers for changes owed). */
  private final io.vertx.core.Promise<Void> judged = io.vertx.core.Promise.promise();
  private final WatchFailures failures;

  private ListWatch(Context context, KubeCalls calls, WatchScope<T> scope, Duration listEvery, WatchHealth health,
                    Listener<T> listener, DoubleSupplier random, Clock clock) {
    this.context = context;
    this.calls = calls;
    this.scope = scope;
    this.listEvery = listEvery;
    this.listener = listener;
    this.random = random;
    this.clock = clock;
    this.health = health;
    this.failures = new WatchFailures(scope.what(), listEvery, health);
  }

  /**
   * Lists once, then opens the watch and the safety re-list. Completes after the first list was tried (whether
   * it worked or not: later lists try again); call on the owning context.
   */
  public static <T extends HasMetadata> Future<ListWatch<T>> start(Context context, KubeCalls calls, WatchScope<T> scope,
                                                                   Duration listEvery, WatchHealth health, Listener<T> listener) {
    ListWatch<T> lw = new ListWatch<>(context, calls, scope, listEvery, health, listener,
        () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(), Clock.systemUTC());
    return lw.list().transform(ar -> {
      if (!lw.closed) { // the listener may have closed it on the first list
        lw.openWatch();
        lw.scheduleRelist();
      }
      return Future.succeededFuture(lw);
    });
  }

  /** Reads the scope once more now and tells the listener (e.g. at a deadline, before giving up). */
  public Future<Void> listNow() {
    return list();
  }

  /** When a list last answered, or null if none did. */
  public Instant lastListed() {
    return lastListed;
  }

  /**
   * Stops listing and watching. If a list found changes the open watch has not delivered yet, the watch is given
   * the rest of {@link #MISS_GRACE} to deliver them before it is judged (told to {@link WatchHealth#judging}), so
   * that a silent watch is reported even when a list settled the caller's wait.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.owner().cancelTimer(relistTimer);
    context.owner().cancelTimer(reopenTimer);
    if (audit.owesNothing() || watch == null) {
      context.owner().cancelTimer(missTimer);
      closeWatch();
    } else {
      health.judging(judged.future());
    }
  }

  private Future<Void> list() {
    Instant asked = clock.instant();
    return calls.list(scope).transform(ar -> {
      if (ar.failed()) {
        health.logKeys().during(() -> LOG.warn("listing {} failed: {}", scope.what(), ar.cause().getMessage()));
        return Future.failedFuture(ar.cause());
      }
      if (!closed) {
        listed(ar.result(), asked);
      }
      return Future.succeededFuture();
    });
  }

  private void listed(KubernetesResourceList<T> list, Instant asked) {
    String listVersion = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
    long listRv = WatchAudit.number(listVersion);
    if (listRv >= 0 && listRv < newestList) {
      return; // overlapping lists: a newer one was applied already
    }
    newestList = Math.max(newestList, listRv);
    lastListed = asked;
    if (audit.listed(list.getItems(), listRv, watch == null ? -1 : watchFrom)) {
      armMissCheck(MISS_GRACE.toMillis());
    }
    if (watch == null && !opening && listVersion != null) {
      resourceVersion = listVersion; // a watch opened from here misses nothing this list did not show
    }
    listener.listed(list.getItems());
  }

  private void armMissCheck(long delayMs) {
    if (missTimer == -1) {
      missTimer = context.owner().setTimer(Math.max(1, delayMs), t -> {
        missTimer = -1;
        judgeMisses();
      });
    }
  }

  /** Changes a list found that the open watch has not delivered within the grace: the watch is missing events. */
  private void judgeMisses() {
    if (watch == null) {
      audit.forgiveUpTo(-1); // the watch that owed them ended, and its end was counted; the next one replays them
      endJudging();
      return;
    }
    if (!audit.overdue()) {
      if (!audit.owesNothing()) {
        armMissCheck(audit.untilDue());
      } else if (closed) {
        closeWatch();
      }
      return;
    }
    silent("a list found changes it had not delivered " + MISS_GRACE.toSeconds() + " s later");
  }

  /** The open watch is missing events: told (certain), and opened again from the last version it delivered. */
  private void silent(String why) {
    audit.forgiveUpTo(-1);
    failed("it stays silent: " + why, true);
    closeWatch();
    scheduleReopen(0);
  }

  private void openWatch() {
    if (closed || opening || watch != null || resourceVersion == null) {
      return; // without a version (no list answered yet) a watch is the one old servers refuse: list first
    }
    opening = true;
    long from = WatchAudit.number(resourceVersion);
    // As client-go: the server ends a watch after 5 to 10 min, and it is opened again from the last version.
    long timeoutSeconds = 300 + (long) (300 * random.getAsDouble());
    WatchConnection[] self = new WatchConnection[1];
    calls.watch(scope.watchPath(resourceVersion, timeoutSeconds), context, new WatchConnection.Handler() {
      @Override
      public void event(String type, JsonObject object) {
        if (watch != null && watch == self[0]) {
          onEvent(type, object);
        }
      }

      @Override
      public void ended(String cause) {
        if (watch != null && watch == self[0]) {
          onEnded(cause, timeoutSeconds);
        }
      }
    }).onComplete(ar -> {
      opening = false;
      if (ar.failed()) {
        if (!closed) {
          WatchConnection.WatchRefused refused = ar.cause() instanceof WatchConnection.WatchRefused r ? r : null;
          if (refused != null && refused.status == 410) {
            expired(ar.cause().getMessage());
          } else {
            failed(ar.cause().getMessage(), false);
            scheduleReopen(refused == null ? -1 : refused.retryAfterMillis());
          }
        }
        return;
      }
      if (closed) {
        ar.result().close();
        return;
      }
      self[0] = ar.result();
      watch = ar.result();
      watchFrom = from;
      watchOpenedAt = System.nanoTime();
      watchEvents = 0;
      audit.forgiveUpTo(from); // what this watch starts after, it never owes
    });
  }

  private void onEvent(String type, JsonObject object) {
    watchEvents++;
    if ("ERROR".equals(type)) {
      int code = object.getInteger("code", 0);
      String message = object.getString("message", "");
      closeWatch();
      if (code == 410) {
        expired("HTTP 410: " + message);
      } else if (!closed) {
        failed("HTTP " + code + ": " + message, false);
        scheduleReopen(-1);
      }
      return;
    }
    String rv = object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
    Watcher.Action action = "BOOKMARK".equals(type) ? null : action(type);
    if (action != null) {
      goneInRow = 0;
      T item = calls.serialization().unmarshal(object.encode(), scope.type());
      audit.delivered(item.getMetadata().getUid(), WatchAudit.number(rv), action == Watcher.Action.DELETED);
      if (!closed) {
        listener.changed(action, item);
      }
    }
    if (rv != null && (action != null || "BOOKMARK".equals(type))) {
      resourceVersion = rv; // only once the event is handled: a watch reopened from here loses nothing
    }
    if (audit.skippedBefore(WatchAudit.number(rv))) {
      silent("it went past changes a list found without delivering them");
    } else if (closed && audit.owesNothing()) {
      // Closed while lingering for changes a list found: the watch delivered them, so it works.
      context.owner().cancelTimer(missTimer);
      missTimer = -1;
      closeWatch();
    }
  }

  private static Watcher.Action action(String type) {
    try {
      return Watcher.Action.valueOf(type);
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  /** 410 Gone: the version was compacted away, so only a fresh list can say what is there now. */
  private void expired(String cause) {
    goneInRow++;
    resourceVersion = null;
    if (closed) {
      return;
    }
    if (goneInRow >= WatchFailures.TO_REPORT) {
      failed(cause, false);
    }
    long backoff = goneInRow <= 1 ? 0 : -1; // a server that keeps answering 410 is not hammered
    list().onComplete(ar -> scheduleReopen(backoff));
  }

  private void onEnded(String cause, long timeoutSeconds) {
    double lasted = (System.nanoTime() - watchOpenedAt) / 1e9;
    int events = watchEvents;
    watch = null;
    if (cause == null && lasted >= timeoutSeconds * 0.9) {
      healthy();
      openWatch(); // the server's own timeout: the ordinary end of a watch
      return;
    }
    if (!closed) {
      failed(cause != null ? cause : String.format(java.util.Locale.ROOT,
          "the server ended it after %.1f s and %d events, long before its %d s timeout", lasted, events, timeoutSeconds), false);
      scheduleReopen(failures.inRow() <= 1 ? 0 : -1);
    }
    endJudging(); // after the failure is told, so that it comes before the run's end
  }

  private void failed(String cause, boolean certain) {
    failures.failed(cause, certain);
  }

  private void healthy() {
    goneInRow = 0;
    failures.healthy();
  }

  /**
   * Opens the watch again after {@code delayMs} (-1: backoff by failures in a row, at most one listing period; a
   * server's Retry-After is honoured, but never below the backoff once failures repeat).
   */
  private void scheduleReopen(long delayMs) {
    if (closed || reopenTimer != -1) {
      return;
    }
    long backoff = failures.inRow() <= 1 ? 0 : Math.min(listEvery.toMillis(), 500L << Math.min(10, failures.inRow() - 2));
    long delay = Math.max(delayMs, backoff);
    if (delay == 0) {
      openWatch();
      return;
    }
    reopenTimer = context.owner().setTimer(delay, t -> {
      reopenTimer = -1;
      openWatch();
    });
  }

  private void scheduleRelist() {
    if (closed) {
      return;
    }
    // Jittered by ±20 %, so that many waits do not list in step.
    long delay = (long) (listEvery.toMillis() * (0.8 + 0.4 * random.getAsDouble()));
    relistTimer = context.owner().setTimer(Math.max(1, delay), t -> {
      relistTimer = -1;
      // Healthy only with evidence: open a whole period, something delivered, nothing owed.
      if (watch != null && watchEvents > 0 && audit.owesNothing()
          && System.nanoTime() - watchOpenedAt >= listEvery.toNanos()) {
        healthy();
      }
      list().onComplete(ar -> {
        if (watch == null && !opening && reopenTimer == -1) {
          openWatch();
        }
        scheduleRelist();
      });
    });
  }

  private void closeWatch() {
    WatchConnection w = watch;
    watch = null;
    if (w != null) {
      w.close();
    }
    if (closed) {
      endJudging();
    }
  }

  private void endJudging() {
    if (closed) {
      context.owner().cancelTimer(missTimer);
      judged.tryComplete();
    }
  }
}
