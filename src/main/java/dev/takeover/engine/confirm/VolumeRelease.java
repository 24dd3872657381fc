package dev.takeover.engine.confirm;

import dev.takeover.kube.KubeCalls;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The wait for a dead node to let go of its volumes. Kubernetes' attach-detach controller keeps a ReadWriteOnce CSI
 * volume attached to a node that stopped (its VolumeAttachment stays) until the node is tainted out-of-service, or
 * for 6 minutes (maxWaitForUnmountDuration) after the last pod that used it is gone; meanwhile the replacement pod
 * is scheduled elsewhere but stays ContainerCreating with a "Multi-Attach error" event. This wait tells the
 * operator why the pod is not Ready yet, and when the volume was released.
 *
 * <p>It follows VolumeAttachments (storage.k8s.io/v1) with one list-watch of the kind: a VolumeAttachment's name is
 * a hash of the CSI volume handle, driver and node, and the server has no field selector on its node or volume, so
 * the kind is the narrowest scope there is (one small object per attached volume).
 */
public final class VolumeRelease {
  /** All VolumeAttachments (cluster-scoped): see the class comment for why not narrower. */
  static final WatchScope<VolumeAttachment> ATTACHMENTS =
      new WatchScope<>("volumeattachments", VolumeAttachment.class, null, null, null);

  private final ListWatches watches;
  private final Clock clock;
  /** The last wait started: what it knew when it ended explains a confirm that failed. */
  private Wait last;

  public VolumeRelease(ListWatches watches, Clock clock) {
    this.watches = watches;
    this.clock = clock;
  }

  /**
   * Completes once no VolumeAttachment of these PVs names {@code fromNode}, with the time each volume was seen
   * released (a volume that has none, such as hostPath or NFS, is released at once). Never fails: at the deadline
   * (after one last read) it completes with the volumes seen released so far, the others left out; when
   * VolumeAttachments cannot be listed (403, 404) it completes at once with none. {@code progress} gets
   * (volume, line) once for each volume seen still attached to {@code fromNode}, once when that one is released,
   * and once for each volume when the attachments could not be checked. Call on the owning context.
   *
   * @param volumes PV names (nulls and duplicates are ignored)
   */
  public Future<Map<String, Instant>> await(List<String> volumes, String fromNode, Instant deadline, WatchHealth health,
                                            BiConsumer<String, String> progress) {
    return await(volumes, fromNode, deadline, health, progress, Promise.<Void>promise().future());
  }

  /**
   * As {@link #await(List, String, Instant, WatchHealth, BiConsumer)}, and also ends with what is known once
   * {@code enough} completes: the pods' own check said they are Ready elsewhere (or failed), so nothing more is to be
   * told; a volume attached to several nodes at once (ReadWriteMany) may never be released by the dead one.
   */
  public Future<Map<String, Instant>> await(List<String> volumes, String fromNode, Instant deadline, WatchHealth health,
                                            BiConsumer<String, String> progress, Future<?> enough) {
    Set<String> wanted = new LinkedHashSet<>();
    volumes.stream().filter(v -> v != null && !v.isBlank()).forEach(wanted::add);
    if (wanted.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Wait wait = new Wait(wanted, fromNode, health, progress);
    last = wait;
    enough.onComplete(x -> wait.result.tryComplete(wait.frozen()));
    return wait.start(deadline);
  }

  /**
   * For the reason of a confirm that failed: each volume {@code of} the pods that failed that the last wait saw
   * attached to its node and not released by the time it ended, with its VolumeAttachment and what Kubernetes waits
   * for ({@code outOfService}: the node carries the taint, so nothing more is to wait for), each as "; …"; "" when
   * there is none (all released, none attachable, or the attachments could not be read). Call on the owning context,
   * once the wait has ended.
   */
  public String stillAttached(java.util.Set<String> of, boolean outOfService) {
    if (last == null) {
      return "";
    }
    StringBuilder why = new StringBuilder();
    for (String volume : last.volumes) {
      if (!of.contains(volume) || !last.held.containsKey(volume) || last.released.containsKey(volume)) {
        continue;
      }
      List<VolumeAttachment> holding = last.holding(volume);
      if (holding.isEmpty()) {
        continue; // gone since the wait ended
      }
      String names = String.join(", ", holding.stream().map(va -> va.getMetadata().getName()).toList());
      boolean detaching = !holding.isEmpty() && holding.stream()
          .allMatch(va -> va.getMetadata().getDeletionTimestamp() != null);
      why.append("; ").append(volume).append(" is still attached to ").append(last.fromNode)
          .append(" (VolumeAttachment ").append(names).append(detaching
              ? ", being deleted: the CSI driver has not finished detaching it)"
              : outOfService ? "): the node is out of service, so the attach-detach controller should have detached it;"
              + " see kubectl describe volumeattachment " + holding.get(0).getMetadata().getName()
              : "): Kubernetes detaches it once the node is out of service (deadNodes.outOfServiceTaint), else 6 min"
              + " after its pods are gone, never if kube-controller-manager runs with"
              + " --disable-force-detach-on-timeout");
    }
    return why.toString();
  }

  private final class Wait {
    final Set<String> volumes;
    final String fromNode;
    final WatchHealth health;
    final BiConsumer<String, String> progress;
    final Promise<Map<String, Instant>> result = Promise.promise();
    final Map<String, VolumeAttachment> seen = new HashMap<>();
    final Map<String, Instant> released = new LinkedHashMap<>();
    /** Volumes told still attached, with when they were first seen so. */
    final Map<String, Instant> held = new HashMap<>();
    ListWatch<VolumeAttachment> open;

    Wait(Set<String> volumes, String fromNode, WatchHealth health, BiConsumer<String, String> progress) {
      this.volumes = volumes;
      this.fromNode = fromNode;
      this.health = health;
      this.progress = progress;
    }

    Future<Map<String, Instant>> start(Instant deadline) {
      long left = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
      long timer = watches.context().owner().setTimer(left, t -> lastLook());
      watches.start(ATTACHMENTS, health, new ListWatch.Listener<>() {
        @Override
        public void listed(List<VolumeAttachment> items) {
          seen.clear();
          items.forEach(va -> seen.put(va.getMetadata().getName(), va));
          judge();
        }

        @Override
        public void changed(Watcher.Action action, VolumeAttachment va) {
          if (action == Watcher.Action.DELETED) {
            seen.remove(va.getMetadata().getName());
          } else {
            seen.put(va.getMetadata().getName(), va);
          }
          judge();
        }
      }).onSuccess(lw -> {
        if (result.future().isComplete()) {
          lw.close();
          return;
        }
        open = lw;
        if (lw.lastListed() == null) {
          whyNotListed();
        }
      });
      return result.future().eventually(() -> {
        watches.context().owner().cancelTimer(timer);
        if (open != null) {
          open.close();
        }
        return Future.succeededFuture();
      });
    }

    /**
     * The first list failed: a refusal (403: the identity may not list volumeattachments; 404: the cluster does not
     * serve them) will not change, so the volumes cannot be checked; anything else, the list-watch tries again.
     */
    void whyNotListed() {
      watches.calls().list(ATTACHMENTS).onComplete(ar -> {
        if (result.future().isComplete()) {
          return;
        }
        if (ar.succeeded()) {
          open.listNow(); // it answers now: let the list-watch apply it, in its order
          return;
        }
        int status = KubeCalls.statusOf(ar.cause());
        if (status == 403 || status == 404) {
          for (String volume : volumes) {
            progress.accept(volume, volume + ": cannot check whether it is still attached to " + fromNode
                + " (" + ar.cause().getMessage() + "); the pod check decides");
          }
          result.tryComplete(frozen());
        }
      });
    }

    void judge() {
      if (result.future().isComplete()) {
        return;
      }
      Instant now = clock.instant();
      for (String volume : volumes) {
        if (released.containsKey(volume)) {
          continue; // once released it stays so: a new attachment to that node would be a new pod's
        }
        List<VolumeAttachment> holding = holding(volume);
        if (holding.isEmpty()) {
          released.put(volume, now);
          Instant since = held.get(volume);
          if (since != null) {
            progress.accept(volume, volume + " was detached from " + fromNode + " after "
                + seconds(Duration.between(since, now)) + " of waiting");
          }
        } else if (!held.containsKey(volume)) {
          held.put(volume, now);
          progress.accept(volume, volume + " is still attached to " + fromNode + " (VolumeAttachment "
              + String.join(", ", holding.stream().map(va -> va.getMetadata().getName()).toList())
              + "): the new pod cannot start until it is detached");
        }
      }
      if (released.size() == volumes.size()) {
        result.tryComplete(frozen());
      }
    }

    /** What is known, in the order the volumes were seen released. */
    Map<String, Instant> frozen() {
      return Collections.unmodifiableMap(new LinkedHashMap<>(released));
    }

    List<VolumeAttachment> holding(String volume) {
      List<VolumeAttachment> holding = new ArrayList<>();
      for (VolumeAttachment va : seen.values()) {
        if (va.getSpec() != null && fromNode.equals(va.getSpec().getNodeName()) && va.getSpec().getSource() != null
            && volume.equals(va.getSpec().getSource().getPersistentVolumeName())) {
          holding.add(va);
        }
      }
      return holding;
    }

    /** At the deadline: one last read, then what is known. */
    void lastLook() {
      Future<Void> read = open == null ? Future.succeededFuture() : open.listNow();
      read.onComplete(ar -> result.tryComplete(frozen()));
    }
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
