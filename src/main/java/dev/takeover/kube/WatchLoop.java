package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The watch half of a {@link ListWatch}: keeps one watch open from the last version handled, reads its events
 * (ERROR: 410 Gone lists again, anything else is a failure and the watch reopens), reads how it ended (the
 * server's own timeout is the ordinary end), and judges it against the lists: changes a list found that the open
 * watch does not deliver within {@link ListWatch#MISS_GRACE} make it a silent watch. Runs on the owner's context.
 */
final class WatchLoop<T extends HasMetadata> {
  private final Context context;
  private final KubeCalls calls;
  private final WatchScope<T> scope;
  private final WatchHealth health;
  private final WatchPacing pacing;
  /** The list-watch's list: a 410 Gone leaves nothing to watch from until it answers. */
  private final Supplier<Future<Void>> list;
  private final BiConsumer<Watcher.Action, T> changed;

  private boolean closed;
  private String resourceVersion;
  private WatchConnection watch;
  private boolean opening;
  private long watchFrom = -1;
  private long watchOpenedAt;
  private int watchEvents;
  private final WatchAudit audit = new WatchAudit(ListWatch.MISS_GRACE);
  /** Completes when a closed list-watch has been judged (at once, unless it lingers for changes owed). */
  private final Promise<Void> judged = Promise.promise();

  WatchLoop(Context context, KubeCalls calls, WatchScope<T> scope, WatchHealth health, WatchPacing pacing,
            Supplier<Future<Void>> list, BiConsumer<Watcher.Action, T> changed) {
    this.context = context;
    this.calls = calls;
    this.scope = scope;
    this.health = health;
    this.pacing = pacing;
    this.list = list;
    this.changed = changed;
  }

  /**
   * A list at {@code listRv} ({@code listVersion} as the server wrote it) found these items: what the open watch
   * now owes is noted, and with no watch open or opening, the next one starts from this list.
   */
  void listed(List<T> items, long listRv, String listVersion) {
    if (audit.listed(items, listRv, watch == null ? -1 : watchFrom)) {
      pacing.checkMisses(ListWatch.MISS_GRACE.toMillis(), this::judgeMisses);
    }
    if (watch == null && !opening && listVersion != null) {
      resourceVersion = listVersion; // a watch opened from here misses nothing this list did not show
    }
  }

  /** Opens the watch if none is open, opening or about to be reopened (after a safety re-list). */
  void openIfIdle() {
    if (watch == null && !opening && !pacing.reopenPending()) {
      open();
    }
  }

  /** Healthy only with evidence: open a whole period, something delivered, nothing owed. */
  boolean provedHealthy() {
    return watch != null && watchEvents > 0 && audit.owesNothing()
        && System.nanoTime() - watchOpenedAt >= pacing.listEvery().toNanos();
  }

  /**
   * Stops watching. If a list found changes the open watch has not delivered yet, the watch is given the rest of
   * the grace to deliver them before it is judged (told to {@link WatchHealth#judging}).
   */
  void close() {
    closed = true;
    if (audit.owesNothing() || watch == null) {
      pacing.cancelMissCheck();
      closeWatch();
    } else {
      health.judging(judged.future());
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
        pacing.checkMisses(audit.untilDue(), this::judgeMisses);
      } else if (closed) {
        closeWatch();
      }
      return;
    }
    silent("a list found changes it had not delivered " + ListWatch.MISS_GRACE.toSeconds() + " s later");
  }

  /** The open watch is missing events: told (certain), and opened again from the last version it delivered. */
  private void silent(String why) {
    audit.forgiveUpTo(-1);
    pacing.failed("it stays silent: " + why, true);
    closeWatch();
    scheduleReopen(0);
  }

  /** Opens the watch from the last version handled; nothing while one is open or opening, or before a list answered. */
  void open() {
    if (closed || opening || watch != null || resourceVersion == null) {
      return; // without a version (no list answered yet) a watch is the one old servers refuse: list first
    }
    opening = true;
    long from = WatchAudit.number(resourceVersion);
    long timeoutSeconds = pacing.watchTimeoutSeconds();
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
            pacing.failed(ar.cause().getMessage(), false);
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
        pacing.failed("HTTP " + code + ": " + message, false);
        scheduleReopen(-1);
      }
      return;
    }
    String rv = object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
    Watcher.Action action = "BOOKMARK".equals(type) ? null : action(type);
    if (action != null) {
      pacing.delivered();
      T item = calls.serialization().unmarshal(object.encode(), scope.type());
      audit.delivered(item.getMetadata().getUid(), WatchAudit.number(rv), action == Watcher.Action.DELETED);
      if (!closed) {
        changed.accept(action, item);
      }
    }
    if (rv != null && (action != null || "BOOKMARK".equals(type))) {
      resourceVersion = rv; // only once the event is handled: a watch reopened from here loses nothing
    }
    if (audit.skippedBefore(WatchAudit.number(rv))) {
      silent("it went past changes a list found without delivering them");
    } else if (closed && audit.owesNothing()) {
      // Closed while lingering for changes a list found: the watch delivered them, so it works.
      pacing.cancelMissCheck();
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
    int goneInRow = pacing.gone();
    resourceVersion = null;
    if (closed) {
      return;
    }
    if (goneInRow >= WatchFailures.TO_REPORT) {
      pacing.failed(cause, false);
    }
    long backoff = goneInRow <= 1 ? 0 : -1; // a server that keeps answering 410 is not hammered
    list.get().onComplete(ar -> scheduleReopen(backoff));
  }

  private void onEnded(String cause, long timeoutSeconds) {
    double lasted = (System.nanoTime() - watchOpenedAt) / 1e9;
    int events = watchEvents;
    watch = null;
    if (cause == null && lasted >= timeoutSeconds * 0.9) {
      pacing.healthy();
      open(); // the server's own timeout: the ordinary end of a watch
      return;
    }
    if (!closed) {
      pacing.failed(cause != null ? cause : String.format(java.util.Locale.ROOT,
          "the server ended it after %.1f s and %d events, long before its %d s timeout", lasted, events, timeoutSeconds), false);
      scheduleReopen(pacing.failuresInRow() <= 1 ? 0 : -1);
    }
    endJudging(); // after the failure is told, so that it comes before the run's end
  }

  /** Opens the watch again after {@code delayMs}, or later: see {@link WatchPacing#reopen}. */
  private void scheduleReopen(long delayMs) {
    if (!closed) {
      pacing.reopen(delayMs, this::open);
    }
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
      pacing.cancelMissCheck();
      judged.tryComplete();
    }
  }
}
