package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Everything runs on the owner's context; the listener is called there. This class lists; {@link WatchLoop} keeps
 * the watch open and judges it, and {@link WatchPacing} says when to reopen and when to list again.
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

  private final KubeCalls calls;
  private final WatchScope<T> scope;
  private final Listener<T> listener;
  private final WatchHealth health;
  private final WatchPacing pacing;
  private final WatchLoop<T> watching;
  private final Clock clock;

  private boolean closed;
  private Instant lastListed;
  /** The version of the newest list applied: an older answer (lists overlap) is not applied after it. */
  private long newestList = -1;
  /**
   * What the watch delivered past the newest list, by object: a list asked before those changes and answered after
   * them shows the objects as they were, and must not undo what the caller already heard.
   */
  private final Map<String, Delivered<T>> newerThanList = new HashMap<>();

  private record Delivered<T>(long version, Watcher.Action action, T object) {}

  private ListWatch(Context context, KubeCalls calls, WatchScope<T> scope, Duration listEvery, WatchHealth health,
                    Listener<T> listener, DoubleSupplier random, Clock clock) {
    this.calls = calls;
    this.scope = scope;
    this.listener = listener;
    this.clock = clock;
    this.health = health;
    this.pacing = new WatchPacing(context.owner(), scope.what(), listEvery, health, random);
    this.watching = new WatchLoop<>(context, calls, scope, health, pacing, this::list, this::changed);
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
        lw.watching.open();
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
    pacing.stopRetrying();
    watching.close();
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

  private void changed(Watcher.Action action, T object) {
    long version = WatchAudit.number(object.getMetadata().getResourceVersion());
    if (version > newestList) {
      newerThanList.put(key(object), new Delivered<>(version, action, object));
    }
    listener.changed(action, object);
  }

  private void listed(KubernetesResourceList<T> list, Instant asked) {
    String listVersion = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
    long listRv = WatchAudit.number(listVersion);
    if (listRv >= 0 && listRv < newestList) {
      return; // overlapping lists: a newer one was applied already
    }
    newestList = Math.max(newestList, listRv);
    lastListed = asked;
    watching.listed(list.getItems(), listRv, listVersion);
    listener.listed(withNewerChanges(list.getItems(), listRv));
  }

  /**
   * The list's items, with what the watch delivered after the list's version in place of what the list shows (a
   * list read at version 10 that answers after the watch's event 12 cordoned the node says "schedulable"). A list
   * without a version is taken as it is.
   */
  private List<T> withNewerChanges(List<T> items, long listRv) {
    if (listRv < 0) {
      newerThanList.clear();
    }
    newerThanList.values().removeIf(d -> d.version() <= listRv);
    if (newerThanList.isEmpty()) {
      return items;
    }
    Map<String, T> merged = new LinkedHashMap<>();
    for (T item : items) {
      merged.put(key(item), item);
    }
    for (Map.Entry<String, Delivered<T>> newer : newerThanList.entrySet()) {
      if (newer.getValue().action() == Watcher.Action.DELETED) {
        merged.remove(newer.getKey());
      } else {
        merged.put(newer.getKey(), newer.getValue().object());
      }
    }
    return List.copyOf(merged.values());
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private void scheduleRelist() {
    if (closed) {
      return;
    }
    pacing.relist(() -> {
      if (watching.provedHealthy()) {
        pacing.healthy();
      }
      list().onComplete(ar -> {
        watching.openIfIdle();
        scheduleRelist();
      });
    });
  }
}
