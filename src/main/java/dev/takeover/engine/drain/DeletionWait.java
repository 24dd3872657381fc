package dev.takeover.engine.drain;

import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.PodOps;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells when pods are gone from a node, by one watch on the node's pods (never by polling, never a watch on the
 * whole cluster). A pod counts as gone when a DELETED event carries its uid, or when the name is held by a
 * pod with another uid (a StatefulSet already recreated it) — as kubectl's waitForDelete does.
 *
 * <p>The watch is opened first, then the node's pods are listed once: a pod that went before the watch
 * opened is not missed (Strimzi's watch-then-check). If the watch ends with an error, it is opened again and
 * the list re-read. All state is touched on the owning Vert.x context only.
 */
public final class DeletionWait implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeletionWait.class);

  private final Context context;
  private final PodOps pods;
  private final String node;
  private final Map<String, Awaited> awaited = new HashMap<>(); // by uid
  private Watch watch;
  private boolean closed;

  private record Awaited(PodRef pod, Promise<Void> gone) {}

  private DeletionWait(Context context, PodOps pods, String node) {
    this.context = context;
    this.pods = pods;
    this.node = node;
  }

  /**
   * Opens the watch on the node's pods for the given pods (all of them registered before the first list, so
   * none can slip between the two); call on the owning context.
   */
  public static Future<DeletionWait> open(Context context, PodOps pods, String node, List<PodRef> toWatch) {
    DeletionWait w = new DeletionWait(context, pods, node);
    for (PodRef pod : toWatch) {
      w.awaited.put(pod.uid(), new Awaited(pod, Promise.promise()));
    }
    // If the first read fails, the wait is never handed out: close its watch here, or it would live on.
    return w.rewatch().map(w).onFailure(e -> w.close());
  }

  /** Completes when the pod (one of those given to open) is gone; the caller bounds the wait. */
  public Future<Void> gone(PodRef pod) {
    Awaited a = awaited.get(pod.uid());
    if (a == null) {
      throw new IllegalArgumentException(pod + " was not given to open()");
    }
    return a.gone().future();
  }

  /** Reads the node's pods once and settles every awaited pod that is no longer there. */
  public Future<Void> recheck() {
    return pods.onNode(node).map(list -> {
      Map<String, Pod> byKey = new HashMap<>();
      for (Pod p : list) {
        byKey.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
      }
      for (Awaited a : List.copyOf(awaited.values())) {
        Pod now = byKey.get(a.pod().key());
        if (now == null || !a.pod().uid().equals(now.getMetadata().getUid())) {
          settle(a.pod().uid());
        }
      }
      return null;
    });
  }

  private Future<Void> rewatch() {
    return pods.watchNode(node,
            (action, pod) -> context.runOnContext(v -> onEvent(action, pod)),
            cause -> context.runOnContext(v -> onClosed(cause)))
        .compose(w -> {
          if (closed) {
            w.close();
            return Future.succeededFuture();
          }
          watch = w;
          return recheck();
        });
  }

  private void onEvent(Watcher.Action action, Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (action == Watcher.Action.DELETED) {
      settle(uid);
      return;
    }
    // Same name, other uid: the pod we waited for has been replaced, so it is gone.
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    for (Awaited a : List.copyOf(awaited.values())) {
      if (a.pod().key().equals(key) && !a.pod().uid().equals(uid)) {
        settle(a.pod().uid());
      }
    }
  }

  private void onClosed(Throwable cause) {
    LOG.info("watch of pods on node {} ended ({}); watching again", node, cause == null ? "closed" : cause.getMessage());
    rewatchUntilOpen(1);
  }

  /** Opens the watch again, backing off (1 s doubling to 30 s) while the API server cannot be reached. */
  private void rewatchUntilOpen(int attempt) {
    if (closed) {
      return;
    }
    rewatch().onFailure(e -> {
      long delay = Math.min(30_000L, 1000L << Math.min(attempt - 1, 5));
      LOG.warn("could not watch pods on node {} again ({}); retrying in {} ms", node, e.getMessage(), delay);
      context.owner().setTimer(delay, t -> rewatchUntilOpen(attempt + 1));
    });
  }

  private void settle(String uid) {
    Awaited a = awaited.get(uid);
    if (a != null) {
      a.gone().tryComplete();
    }
  }

  @Override
  public void close() {
    closed = true;
    if (watch != null) {
      watch.close();
    }
  }
}
