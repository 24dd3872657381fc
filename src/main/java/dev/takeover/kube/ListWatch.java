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
  /** A change a list found must come through an open watch within this, or the watch is missing events. */
  static final Duration MISS_GRACE = Duration.ofSeconds(1);

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
      if (!lw.closed) {
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

  public WatchScope<T> scope() {
    return scope;
  }

  /**
   * Stops listing and watching. If a list found changes the watch has not delivered yet, the watch is given
   * {@link #MISS_GRACE} more to deliver them before it is judged, so that a silent watch is reported even when
   * the list settled the caller's wait.
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
        LOG.warn("listing {} failed: {}", scope.what(), ar.cause().getMessage());
        return Future.failedFuture(ar.cause());
      }
      if (!closed) {
        lastListed = asked;
        listed(ar.result());
      }
      return Future.succeededFuture();
    });
  }

  private void listed(KubernetesResourceList<T> list) {
    String listVersion = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
    if (audit.listed(list.getItems(), WatchAudit.number(listVersion), watch == null ? -1 : watchFrom)) {
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

  /**
   * Changes a list found that the open watch has not delivered within the grace: the watch is missing events.
   * Each change gets the whole grace, counted from the list that found it.
   */
  private void judgeMisses() {
    if (watch == null) {
      audit.forgive(); // the watch that owed them ended, and its end was counted; the next one replays them
      if (closed) {
        judged.tryComplete();
      }
      return;
    }
    if (!audit.missed()) {
      if (!audit.owesNothing()) {
        armMissCheck(audit.untilDue());
      } else if (closed) {
        closeWatch();
      }
      return;
    }
    audit.forgive();
    failed("it stays silent: a list found changes it had not delivered " + MISS_GRACE.toSeconds() + " s later", true);
    closeWatch();
    if (!closed) {
      scheduleReopen(0);
    }
  }

  private void openWatch() {
    if (closed || opening || watch != null) {
      return;
    }
    if (resourceVersion == null) {
      // No list has answered yet: a watch without a version is the one old servers refuse; list first.
      return;
    }
    opening = true;
    long from = WatchAudit.number(resourceVersion);
    // As client-go: the server ends a watch after 5 to 10 min, and it is opened again from the last version.
    long timeoutSeconds = 300 + (long) (300 * random.getAsDouble());
    calls.watch(scope.watchPath(resourceVersion, timeoutSeconds), context, new WatchConnection.Handler() {
      @Override
      public void event(String type, JsonObject object) {
        onEvent(type, object);
      }

      @Override
      public void ended(String cause) {
        onEnded(cause, timeoutSeconds);
      }
    }).onComplete(ar -> {
      opening = false;
      if (ar.failed()) {
        failed(ar.cause().getMessage(), false);
        scheduleReopen(ar.cause() instanceof WatchConnection.WatchRefused r ? r.retryAfterMillis() : -1);
        return;
      }
      if (closed) {
        ar.result().close();
        return;
      }
      watch = ar.result();
      watchFrom = from;
      watchOpenedAt = System.nanoTime();
      watchEvents = 0;
    });
  }

  private void onEvent(String type, JsonObject object) {
    if (watch == null) {
      return;
    }
    watchEvents++;
    if ("ERROR".equals(type)) {
      int code = object.getInteger("code", 0);
      String message = object.getString("message", "");
      closeWatch();
      if (code == 410) {
        // The version was compacted away: only a fresh list can say what is there now.
        goneInRow++;
        resourceVersion = null;
        if (goneInRow >= WatchFailures.TO_REPORT) {
          failed("HTTP 410: " + message, false);
        }
        list().onComplete(ar -> scheduleReopen(0));
      } else {
        failed("HTTP " + code + ": " + message, false);
        scheduleReopen(-1);
      }
      return;
    }
    String rv = object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
    if (rv != null) {
      resourceVersion = rv;
    }
    if ("BOOKMARK".equals(type)) {
      return;
    }
    Watcher.Action action;
    try {
      action = Watcher.Action.valueOf(type);
    } catch (IllegalArgumentException unknown) {
      return;
    }
    goneInRow = 0;
    T item = calls.serialization().unmarshal(object.encode(), scope.type());
    audit.delivered(item.getMetadata().getUid(), WatchAudit.number(rv), action == Watcher.Action.DELETED);
    if (!closed) {
      listener.changed(action, item);
    } else if (audit.owesNothing()) {
      // Closed while lingering for changes a list found: the watch delivered them, so it works.
      context.owner().cancelTimer(missTimer);
      missTimer = -1;
      closeWatch();
    }
  }

  private void onEnded(String cause, long timeoutSeconds) {
    double lasted = (System.nanoTime() - watchOpenedAt) / 1e9;
    int events = watchEvents;
    watch = null;
    if (closed) {
      judged.tryComplete(); // it ended while lingering: counted below, nothing more to judge
    }
    if (cause == null && lasted >= timeoutSeconds * 0.9) {
      healthy();
      openWatch(); // the server's own timeout: the ordinary end of a watch
      return;
    }
    failed(cause != null ? cause : String.format(java.util.Locale.ROOT,
        "the server ended it after %.1f s and %d events, long before its %d s timeout", lasted, events, timeoutSeconds), false);
    scheduleReopen(failures.inRow() <= 1 ? 0 : -1);
  }

  private void failed(String cause, boolean certain) {
    failures.failed(cause, certain);
  }

  private void healthy() {
    goneInRow = 0;
    failures.healthy();
  }

  /** Opens the watch again after {@code delayMs} (-1: backoff by failures in a row, at most one listing period). */
  private void scheduleReopen(long delayMs) {
    if (closed || reopenTimer != -1) {
      return;
    }
    long delay = delayMs >= 0 ? delayMs
        : Math.min(listEvery.toMillis(), 500L << Math.min(10, Math.max(0, failures.inRow() - 2)));
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
      if (watch != null && audit.owesNothing() && System.nanoTime() - watchOpenedAt >= listEvery.toNanos()) {
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
      judged.tryComplete();
    }
  }
}
