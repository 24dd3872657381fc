package dev.takeover.cluster;

import dev.takeover.kube.Kube;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** The StatefulSet pods stuck on a node said down, as node.down names them: {@code {"pod": "ns/name", "claims"}}. */
final class StuckPods {
  private StuckPods() {}

  /** Each pod with its claims and their volumes; a claim that cannot be read says volume null, never holds it up. */
  static Future<List<JsonObject>> withClaims(Kube kube, List<Pod> pods) {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (Pod pod : pods) {
      String ns = pod.getMetadata().getNamespace();
      List<Future<JsonObject>> claims = new ArrayList<>();
      for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
        if (v.getPersistentVolumeClaim() != null) {
          String claim = v.getPersistentVolumeClaim().getClaimName();
          claims.add(kube.storage.claim(ns, claim).transform(ar -> Future.succeededFuture(new JsonObject()
              .put("claim", claim).put("volume", ar.succeeded() && ar.result() != null && ar.result().getSpec() != null
                  ? ar.result().getSpec().getVolumeName() : null))));
        }
      }
      all.add(Future.all(claims).transform(ar -> Future.succeededFuture(new JsonObject()
          .put("pod", ns + "/" + pod.getMetadata().getName())
          .put("claims", new JsonArray(claims.stream().map(Future::result).toList())))));
    }
    return Future.all(all).transform(ar -> Future.succeededFuture(all.stream().map(Future::result).toList()));
  }
}
