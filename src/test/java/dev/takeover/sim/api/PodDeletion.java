package dev.takeover.sim.api;

import dev.takeover.sim.model.Paths;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Preconditions;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

import java.time.Instant;
import java.util.Objects;

/**
 * Deleting a pod as the API server does (pod strategy CheckGracefulDelete + the generic registry's BeforeDelete):
 * a pod bound to a node gets {@code deletionTimestamp} and {@code deletionGracePeriodSeconds} and stays until its
 * kubelet deletes it again with grace 0; an unbound or finished pod, or grace 0, is removed at once — unless it
 * has finalizers: then it stays, terminating, until they are removed. A second delete may shorten the grace
 * period, never extend it.
 */
public final class PodDeletion {
  private static final long DEFAULT_GRACE_SECONDS = 30;
  private final SimStore store;

  public PodDeletion(SimStore store) {
    this.store = store;
  }

  /** Deletes {@code namespace/name}; the answer is the pod as it is afterwards (200), or a Status (404, 409). */
  public MockResponse delete(String namespace, String name, DeleteOptions options) {
    return store.atomically(() -> {
      String path = Paths.pod(namespace, name);
      Pod pod = store.get(path, Pod.class);
      if (pod == null) {
        return Statuses.notFound("pods", name);
      }
      checkPreconditions(pod, options);
      long grace = gracePeriod(pod, options);
      if (Pods.isTerminating(pod)) {
        long current = Objects.requireNonNullElse(pod.getMetadata().getDeletionGracePeriodSeconds(), 0L);
        if (grace >= current) {
          return ok(pod); // already terminating at least as soon: nothing changes
        }
      }
      if (grace == 0 && !Pods.isTerminating(pod) && !held(pod)) {
        store.remove(path);
        return ok(pod);
      }
      Pod marked = store.update(path, Pod.class, p -> {
        p.getMetadata().setDeletionTimestamp(Times.format(Instant.now().plusSeconds(grace)));
        p.getMetadata().setDeletionGracePeriodSeconds(grace);
        return p;
      });
      if (grace == 0 && !held(marked)) {
        // a terminating pod deleted again with grace 0 (its kubelet, or a force delete): MODIFIED then DELETED,
        // as in watch/pod-mysql-0-during-eviction.jsonl
        store.remove(path);
      }
      return ok(marked);
    });
  }

  /** A pod with finalizers stays, terminating, until they are removed (the registry's finalizer check). */
  private static boolean held(Pod pod) {
    return pod.getMetadata().getFinalizers() != null && !pod.getMetadata().getFinalizers().isEmpty();
  }

  /** Throws the 409 a real server answers when the pod is not the one the client meant. */
  static void checkPreconditions(Pod pod, DeleteOptions options) {
    Preconditions preconditions = options == null ? null : options.getPreconditions();
    if (preconditions == null) {
      return;
    }
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    if (preconditions.getUid() != null && !preconditions.getUid().equals(uid)) {
      throw new ApiError(Statuses.conflict("Pod", name, "Operation cannot be fulfilled on Pod \"" + name
          + "\": the UID in the precondition (" + preconditions.getUid() + ") does not match the UID in record ("
          + uid + "). The object might have been deleted and then recreated"));
    }
    String version = pod.getMetadata().getResourceVersion();
    if (preconditions.getResourceVersion() != null && !preconditions.getResourceVersion().equals(version)) {
      throw new ApiError(Statuses.conflict("Pod", name, "Operation cannot be fulfilled on Pod \"" + name
          + "\": the ResourceVersion in the precondition (" + preconditions.getResourceVersion()
          + ") does not match the ResourceVersion in record (" + version + "). The object might have been modified"));
    }
  }

  private static long gracePeriod(Pod pod, DeleteOptions options) {
    if (!Pods.isBound(pod) || Pods.isTerminal(pod)) {
      return 0; // nobody runs it: nothing to wait for
    }
    if (options != null && options.getGracePeriodSeconds() != null) {
      return Math.max(0, options.getGracePeriodSeconds());
    }
    Long fromSpec = pod.getSpec().getTerminationGracePeriodSeconds();
    return fromSpec == null ? DEFAULT_GRACE_SECONDS : fromSpec;
  }

  private static MockResponse ok(Pod pod) {
    return Statuses.json(200, Serialization.asJson(pod));
  }
}
