package dev.takeover.engine.confirm;

import dev.takeover.engine.plan.PlannedPod;
import dev.takeover.kube.KubeCalls;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Waits, before the uncordon, until the owner of every evicted pod has its replacements scheduled on another
 * node: a ReplicaSet by its desired count, other owners by one new pod per evicted pod. StatefulSet pods are the
 * confirm step's own; a pod without an owner has no replacement to wait for. One list-watch per owner, on that
 * owner's pods only. Never fails: at the deadline it completes with what is still Pending, and why.
 */
public final class PlacementWait {
  /** Labels that differ from pod to pod of one owner, so they cannot select its replacements. */
  private static final Set<String> PER_POD_LABELS = Set.of("statefulset.kubernetes.io/pod-name",
      "apps.kubernetes.io/pod-index", "batch.kubernetes.io/job-completion-index");

  private final ListWatches watches;
  private final java.time.Clock clock;

  public PlacementWait(ListWatches watches, java.time.Clock clock) {
    this.watches = watches;
    this.clock = clock;
  }

  /**
   * Evicted pods that have an owner other than a StatefulSet, and labels to find their replacements by: the
   * ones whose replacements are awaited.
   */
  public static List<PlannedPod> awaited(List<PlannedPod> evicted) {
    return evicted.stream().filter(p -> p.ownerKind() != null && !"StatefulSet".equals(p.ownerKind()))
        .filter(p -> !selector(p).isEmpty()).toList();
  }

  /**
   * Completes with an empty list once every replacement is scheduled elsewhere, or at the deadline with one line
   * per pod still Pending. {@code progress} hears the number still Pending each time it changes. Call on the
   * owning context.
   */
  public Future<List<String>> await(List<PlannedPod> evicted, Map<String, Instant> evictedAt, String node,
                                    Instant deadline, WatchHealth health, BiConsumer<Integer, List<String>> progress) {
    Map<String, List<PlannedPod>> byOwner = new TreeMap<>();
    for (PlannedPod p : awaited(evicted)) {
      byOwner.computeIfAbsent(p.pod().namespace() + "/" + p.ownerKind() + "/" + p.ownerName(), k -> new ArrayList<>()).add(p);
    }
    if (byOwner.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Promise<List<String>> done = Promise.promise();
    Map<String, Placement.Standing> standings = new LinkedHashMap<>();
    List<ListWatch<Pod>> open = new ArrayList<>();
    int[] lastPending = {-1};
    Runnable judge = () -> {
      if (done.future().isComplete()) {
        return; // a list or an event after the end: nothing more to tell
      }
      int pending = standings.values().stream().mapToInt(Placement.Standing::pending).sum();
      List<String> why = standings.values().stream().flatMap(s -> s.why().stream()).toList();
      if (standings.size() == byOwner.size() && pending == 0) {
        if (lastPending[0] > 0) {
          progress.accept(0, List.of()); // the count fell to nothing: say so
        }
        done.tryComplete(List.of());
      } else if (pending != lastPending[0] && standings.size() == byOwner.size()) {
        lastPending[0] = pending;
        progress.accept(pending, why);
      }
    };
    for (Map.Entry<String, List<PlannedPod>> e : byOwner.entrySet()) {
      List<PlannedPod> pods = e.getValue();
      // Pods created since the first eviction are replacements. creationTimestamp is the API server's clock, to
      // the second: 30 s of slack keeps a clock running ahead of it from hiding them.
      Instant since = pods.stream().map(p -> evictedAt.get(p.pod().uid())).filter(java.util.Objects::nonNull)
          .min(Instant::compareTo).orElse(clock.instant()).minusSeconds(30);
      placement(pods, since).onSuccess(placed -> {
        if (done.future().isComplete()) {
          return;
        }
        String selector = selector(pods.get(0));
        Map<String, Pod> seen = new HashMap<>();
        WatchScope<Pod> scope = WatchScope.podsOf(placed.kind() + " " + placed.namespace() + "/" + placed.name(),
            placed.namespace(), selector);
        watches.start(scope, health, new ListWatch.Listener<>() {
          @Override
          public void listed(List<Pod> items) {
            seen.clear();
            items.forEach(p -> seen.put(p.getMetadata().getUid(), p));
            update();
          }

          @Override
          public void changed(Watcher.Action action, Pod pod) {
            if (action == Watcher.Action.DELETED) {
              seen.remove(pod.getMetadata().getUid());
            } else {
              seen.put(pod.getMetadata().getUid(), pod);
            }
            update();
          }

          private void update() {
            standings.put(e.getKey(), placed.standing(node, seen.values()));
            judge.run();
          }
        }).onSuccess(lw -> {
          if (done.future().isComplete()) {
            lw.close();
          } else {
            open.add(lw);
          }
        });
      });
    }
    long left = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
    long timer = watches.context().owner().setTimer(left, t -> {
      List<String> why = new ArrayList<>(standings.values().stream().flatMap(s -> s.why().stream()).toList());
      byOwner.keySet().stream().filter(k -> !standings.containsKey(k))
          .forEach(k -> why.add(k + ": its pods could not be read before the confirm timeout"));
      done.tryComplete(why);
    });
    return done.future().onComplete(ar -> {
      watches.context().owner().cancelTimer(timer);
      open.forEach(ListWatch::close);
    });
  }

  /** The owner's placement rule; a ReplicaSet is read for its desired count (if it cannot be, one pod per pod). */
  private Future<Placement> placement(List<PlannedPod> pods, Instant since) {
    PlannedPod first = pods.get(0);
    Set<String> uids = pods.stream().map(p -> p.pod().uid()).collect(Collectors.toSet());
    Placement unknownCount = new Placement(first.pod().namespace(), first.ownerKind(), first.ownerName(), null, uids,
        since);
    if (!"ReplicaSet".equals(first.ownerKind())) {
      return Future.succeededFuture(unknownCount);
    }
    KubeCalls calls = watches.calls();
    return calls.list(WatchScope.replicaSet(first.pod().namespace(), first.ownerName())).map(list -> {
      ReplicaSet rs = list.getItems().isEmpty() ? null : list.getItems().get(0);
      Integer desired = rs == null || rs.getSpec() == null ? null : rs.getSpec().getReplicas();
      return desired == null ? unknownCount
          : new Placement(first.pod().namespace(), first.ownerKind(), first.ownerName(), desired, uids, since);
    }).otherwise(unknownCount);
  }

  /** The evicted pod's labels but the per-pod ones: its owner's replacements carry them too. */
  private static String selector(PlannedPod pod) {
    return pod.labels().entrySet().stream().filter(l -> !PER_POD_LABELS.contains(l.getKey()))
        .sorted(Map.Entry.comparingByKey()).map(l -> l.getKey() + "=" + l.getValue()).collect(Collectors.joining(","));
  }
}
