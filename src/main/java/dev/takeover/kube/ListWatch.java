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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  /** Watch failures in a row before the operator is told. */
  static final int FAILURES_TO_REPORT = 2;
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
  private final WatchHealth health;
  private final Listener<T> listener;
  private final DoubleSupplier random;
  private final Clock clock;

  private boolean closed;
  private String resourceVersion;
  private WatchConnection watch;
  private boolean opening;
  private long watchFrom = -1;
  private long watchOpenedAt;
  private int watchEvents;
  private int failuresInRow;
  private int goneInRow;
  private String reportedAs;
  private long relistTimer = -1;
  private long reopenTimer = -1;
  private long missTimer = -1;
  private Instant lastListed;
  private final Map<String, Long> known = new HashMap<>();
  /** Changes a list found that the open watch has not delivered yet: uid → (version, when found). */
  private final Map<String, long[]> unconfirmed = new HashMap<>();

  private ListWatch(Context context, KubeCalls calls, WatchScope<T> scope, Duration listEvery, WatchHealth health,
                    Listener<T> listener, DoubleSupplier random, Clock clock) {
    this.context = context;
    this.calls = calls;
    this.scope = scope;
    this.listEvery = listEvery;
    this.health = health;
    this.listener = listener;
    this.random = random;
    this.clock = clock;
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
    if (unconfirmed.isEmpty() || watch == null) {
      context.owner().cancelTimer(missTimer);
      closeWatch();
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
    long listRv = number(listVersion);
    boolean watchAnswers = watch != null && watchFrom >= 0 && listRv > watchFrom;
    Set<String> present = new HashSet<>();
    boolean found = false;
    for (T item : list.getItems()) {
      String uid = item.getMetadata().getUid();
      long rv = number(item.getMetadata().getResourceVersion());
      present.add(uid);
      Long before = known.get(uid);
      if (before == null || rv > before) {
        known.put(uid, rv);
        if (watchAnswers && rv > watchFrom && rv >= 0) {
          unconfirmed.put(uid, new long[] {rv, System.nanoTime()});
          found = true;
        }
      }
    }
    for (Map.Entry<String, Long> e : Map.copyOf(known).entrySet()) {
      if (!present.contains(e.getKey()) && e.getValue() <= listRv) {
        known.remove(e.getKey());
        if (watchAnswers) {
          unconfirmed.put(e.getKey(), new long[] {listRv, System.nanoTime()});
          found = true;
        }
      }
    }
    if (found) {
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
      unconfirmed.clear(); // the watch that owed them ended, and its end was counted; the next one replays them
      return;
    }
    long now = System.nanoTime();
    long grace = MISS_GRACE.toNanos();
    boolean missed = unconfirmed.values().stream().anyMatch(p -> now - p[1] >= grace);
    if (!missed) {
      if (!unconfirmed.isEmpty()) {
        long oldest = unconfirmed.values().stream().mapToLong(p -> p[1]).min().orElse(now);
        armMissCheck((oldest + grace - now) / 1_000_000 + 1);
      } else if (closed) {
        closeWatch();
      }
      return;
    }
    unconfirmed.clear();
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
    long from = number(resourceVersion);
    // As client-go: the server ends a watch after 5 to 10 min, and it is opened again from the last version.
    long timeoutSeconds = 300 + (long) (300 * random.getAsDouble());
    String query = "watch=true&resourceVersion=" + resourceVersion + "&allowWatchBookmarks=true&timeoutSeconds="
        + timeoutSeconds + (scope.selectorQuery().isEmpty() ? "" : "&" + scope.selectorQuery());
    calls.watch(scope.collectionPath() + "?" + query, context, new WatchConnection.Handler() {
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
        WatchConnection.WatchRefused refused = ar.cause() instanceof WatchConnection.WatchRefused r ? r : null;
        failed(ar.cause().getMessage(), false);
        scheduleReopen(retryAfter(refused));
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
        if (goneInRow >= 2) {
          failed("HTTP 410: " + message, false);
        }
        list().onComplete(ar -> scheduleReopen(0));
      } else {
        failed("HTTP " + code + ": " + message, false);
        scheduleReopen(retryAfter(null));
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
    String uid = item.getMetadata().getUid();
    long version = number(rv);
    long[] pending = unconfirmed.get(uid);
    if (pending != null && (action == Watcher.Action.DELETED || version >= pending[0])) {
      unconfirmed.remove(uid);
    }
    if (action == Watcher.Action.DELETED) {
      known.remove(uid);
    } else {
      known.merge(uid, version, Math::max);
    }
    if (!closed) {
      listener.changed(action, item);
    } else if (unconfirmed.isEmpty()) {
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
    if (cause == null && lasted >= timeoutSeconds * 0.9) {
      healthy();
      openWatch(); // the server's own timeout: the ordinary end of a watch
      return;
    }
    failed(cause != null ? cause : String.format(java.util.Locale.ROOT,
        "the server ended it after %.1f s and %d events, long before its %d s timeout", lasted, events, timeoutSeconds), false);
    scheduleReopen(failuresInRow <= 1 ? 0 : -1);
  }

  /** A failure of the watch (the caller's wait goes on by listing); reported once enough of them came in a row. */
  private void failed(String cause, boolean certain) {
    failuresInRow++;
    LOG.info("watch of {} failed ({} in a row): {}", scope.what(), failuresInRow, cause);
    if (certain || failuresInRow >= FAILURES_TO_REPORT) {
      String kind = cause.replaceAll("[0-9]+(\\.[0-9]+)?", "#");
      if (!kind.equals(reportedAs)) {
        reportedAs = kind;
        LOG.warn("watch of {} failing ({}); checking by listing every {} s", scope.what(), cause, listEvery.toSeconds());
        health.failing(scope.what(), cause, listEvery);
      }
    }
  }

  /** A watch that stayed open a whole listing period, or ran to its timeout: the failures in a row are over. */
  private void healthy() {
    failuresInRow = 0;
    goneInRow = 0;
    if (reportedAs != null) {
      reportedAs = null;
      health.recovered(scope.what());
    }
  }

  /** Opens the watch again after {@code delayMs} (-1: backoff by failures in a row, at most one listing period). */
  private void scheduleReopen(long delayMs) {
    if (closed || reopenTimer != -1) {
      return;
    }
    long delay = delayMs >= 0 ? delayMs
        : Math.min(listEvery.toMillis(), 500L << Math.min(10, Math.max(0, failuresInRow - 2)));
    if (delay == 0) {
      openWatch();
      return;
    }
    reopenTimer = context.owner().setTimer(delay, t -> {
      reopenTimer = -1;
      openWatch();
    });
  }

  private long retryAfter(WatchConnection.WatchRefused refused) {
    if (refused != null && refused.retryAfter != null) {
      try {
        return Math.max(0, Long.parseLong(refused.retryAfter.trim())) * 1000;
      } catch (NumberFormatException ignored) {
        // an HTTP date: fall back to our own backoff
      }
    }
    return -1;
  }

  private void scheduleRelist() {
    if (closed) {
      return;
    }
    // Jittered by ±20 %, so that many waits do not list in step.
    long delay = (long) (listEvery.toMillis() * (0.8 + 0.4 * random.getAsDouble()));
    relistTimer = context.owner().setTimer(Math.max(1, delay), t -> {
      relistTimer = -1;
      if (watch != null && unconfirmed.isEmpty() && System.nanoTime() - watchOpenedAt >= listEvery.toNanos()) {
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
  }

  /** resourceVersions are opaque to clients, but in practice etcd revisions; -1 when not a number. */
  private static long number(String rv) {
    if (rv == null) {
      return -1;
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
