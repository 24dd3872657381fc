package dev.takeover.sim.api;

import dev.takeover.sim.model.Paths;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.zjsonpatch.JsonPatch;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Updates (PUT, PATCH) of a pod that is terminating. The mock treats any write of an object that has a
 * deletionTimestamp and no finalizers as "delete it now" (its finalizer logic), so a kubelet's status update or a
 * client's label change on a terminating pod would remove the pod at once. A real server just updates it, keeping
 * deletionTimestamp, deletionGracePeriodSeconds, uid and creationTimestamp as they are; so does this class.
 * A write to the pod resource keeps the stored status, a write to /status changes only the status (pod strategy).
 */
final class TerminatingPodWrites {
  private final SimStore store;

  TerminatingPodWrites(SimStore store) {
    this.store = store;
  }

  /** Null when the pod is not terminating (the mock handles the request as usual). */
  MockResponse put(String namespace, String name, boolean status, String body) {
    return store.atomically(() -> {
      Pod stored = store.get(Paths.pod(namespace, name), Pod.class);
      if (stored == null || stored.getMetadata().getDeletionTimestamp() == null) {
        return null;
      }
      return write(stored, Serialization.unmarshal(body, Pod.class), status);
    });
  }

  /** Null when the pod is not terminating. {@code json} says JSON patch (RFC 6902), else a merge patch (RFC 7386). */
  MockResponse patch(String namespace, String name, boolean status, String patch, boolean json) {
    return store.atomically(() -> {
      Pod stored = store.get(Paths.pod(namespace, name), Pod.class);
      if (stored == null || stored.getMetadata().getDeletionTimestamp() == null) {
        return null;
      }
      String current = Serialization.asJson(stored);
      String patched;
      if (json) {
        patched = JsonPatch.apply(Serialization.unmarshal(patch, JsonNode.class),
            Serialization.unmarshal(current, JsonNode.class)).toString();
      } else {
        patched = Serialization.asJson(merge(tree(current), tree(patch)));
      }
      Pod wanted = Serialization.unmarshal(patched, Pod.class);
      wanted.getMetadata().setResourceVersion(null); // a patch does not carry the version it was made against
      return write(stored, wanted, status);
    });
  }

  private MockResponse write(Pod stored, Pod wanted, boolean status) {
    String storedVersion = stored.getMetadata().getResourceVersion();
    String basedOn = wanted.getMetadata() == null ? null : wanted.getMetadata().getResourceVersion();
    String name = stored.getMetadata().getName();
    if (basedOn != null && !basedOn.isEmpty() && !basedOn.equals(storedVersion)) {
      return Statuses.conflict("pods", name, "Operation cannot be fulfilled on pods \"" + name
          + "\": the object has been modified; please apply your changes to the latest version and try again");
    }
    Pod updated = store.update(Paths.pod(stored.getMetadata().getNamespace(), name), Pod.class, current -> {
      if (status) {
        current.setStatus(wanted.getStatus());
        return current;
      }
      var meta = wanted.getMetadata();
      meta.setNamespace(current.getMetadata().getNamespace());
      meta.setName(name);
      meta.setUid(current.getMetadata().getUid());
      meta.setCreationTimestamp(current.getMetadata().getCreationTimestamp());
      meta.setDeletionTimestamp(current.getMetadata().getDeletionTimestamp());
      meta.setDeletionGracePeriodSeconds(current.getMetadata().getDeletionGracePeriodSeconds());
      meta.setGeneration(current.getMetadata().getGeneration());
      wanted.setStatus(current.getStatus());
      return wanted;
    });
    // The registry's ShouldDeleteDuringUpdate: the last finalizer of an object whose graceful deletion is over
    // is gone, so the object goes too.
    boolean finalized = updated.getMetadata().getFinalizers() == null || updated.getMetadata().getFinalizers().isEmpty();
    if (finalized && Long.valueOf(0).equals(updated.getMetadata().getDeletionGracePeriodSeconds())) {
      store.remove(Paths.pod(stored.getMetadata().getNamespace(), name));
    }
    return Statuses.json(200, Serialization.asJson(updated));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> tree(String json) {
    return Serialization.unmarshal(json, Map.class);
  }

  /** RFC 7386: objects merge recursively, null removes, anything else replaces. */
  @SuppressWarnings("unchecked")
  private static Object merge(Object target, Object patch) {
    if (!(patch instanceof Map<?, ?> patchMap)) {
      return patch;
    }
    Map<String, Object> result = target instanceof Map<?, ?> t ? new LinkedHashMap<>((Map<String, Object>) t)
        : new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : patchMap.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if (entry.getValue() == null) {
        result.remove(key);
      } else {
        result.put(key, merge(result.get(key), entry.getValue()));
      }
    }
    return result;
  }
}
