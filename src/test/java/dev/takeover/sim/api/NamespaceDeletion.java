package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Deleting a namespace as the API server does: the first DELETE only marks it Terminating (deletionTimestamp, phase
 * Terminating) and answers 200 with it; the namespace controller then deletes what it holds, and the namespace is
 * gone once no pod is left in it. The mock would drop the namespace at once and keep everything in it.
 */
final class NamespaceDeletion {
  private final SimStore store;

  NamespaceDeletion(SimStore store) {
    this.store = store;
  }

  /** Null when the store should carry out the deletion (the namespace is empty and already terminating). */
  MockResponse delete(String name) {
    String path = "/api/v1/namespaces/" + name;
    Namespace ns = store.get(path, Namespace.class);
    if (ns == null) {
      throw new ApiError(Statuses.failure(404, "NotFound", "namespaces \"" + name + "\" not found",
          java.util.Map.of("name", name, "kind", "namespaces")));
    }
    if (ns.getMetadata().getDeletionTimestamp() != null) {
      List<Pod> left = store.list(path + "/pods", Pod.class);
      return left.isEmpty() ? null : Statuses.json(200, Serialization.asJson(ns));
    }
    Namespace terminating = store.update(path, Namespace.class, n -> {
      n.getMetadata().setDeletionTimestamp(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      n.setStatus(new io.fabric8.kubernetes.api.model.NamespaceStatusBuilder().withPhase("Terminating").build());
      return n;
    });
    return Statuses.json(200, Serialization.asJson(terminating));
  }
}
