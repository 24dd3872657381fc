package dev.takeover.engine;

import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A StatefulSet pod an earlier part of the same run evicted (before a daemon restart), with the claims it had: a
 * resumed run's plan no longer sees it on the node, yet the run must confirm it moved before it uncordons.
 *
 * @param pod       the evicted pod, with its old uid
 * @param fromNode  the node it was evicted from
 * @param claims    its claims and the volumes they were bound to when it was planned
 * @param evictedAt when the eviction was accepted (the start of its time to Ready)
 */
public record EvictedEarlier(PodRef pod, String fromNode, List<ClaimBinding> claims, Instant evictedAt) {

  public EvictedEarlier {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(fromNode, "fromNode");
    Objects.requireNonNull(evictedAt, "evictedAt");
    claims = claims == null ? List.of() : List.copyOf(claims);
  }

  public JsonObject toJson() {
    JsonArray c = new JsonArray();
    claims.forEach(b -> c.add(new JsonObject().put("claim", b.claim()).put("volume", b.volume())));
    return new JsonObject().put("pod", pod.key()).put("uid", pod.uid()).put("fromNode", fromNode).put("claims", c)
        .put("evictedAt", evictedAt.toString());
  }

  /** @throws RuntimeException if the JSON is not one ({@link #toJson()} writes it) */
  public static EvictedEarlier fromJson(JsonObject j) {
    return of(j, j.getString("fromNode"), Instant.parse(j.getString("evictedAt")));
  }

  /**
   * From JSON with the pod's {@code "pod": "ns/name"}, {@code "uid"} and {@code "claims": [{"claim", "volume"}]}:
   * the shape of this record's own JSON and of a planned pod in the engine's {@code takeover.plan.ready}.
   */
  public static EvictedEarlier of(JsonObject pod, String fromNode, Instant evictedAt) {
    String key = pod.getString("pod");
    int slash = key.indexOf('/');
    List<ClaimBinding> claims = new ArrayList<>();
    for (Object o : pod.getJsonArray("claims", new JsonArray())) {
      JsonObject c = (JsonObject) o;
      claims.add(new ClaimBinding(c.getString("claim"), c.getString("volume")));
    }
    return new EvictedEarlier(new PodRef(key.substring(0, slash), key.substring(slash + 1), pod.getString("uid")),
        fromNode, claims, evictedAt);
  }

  /** The list of {@code array}, empty for null. */
  public static List<EvictedEarlier> listOf(JsonArray array) {
    List<EvictedEarlier> out = new ArrayList<>();
    if (array != null) {
      array.forEach(o -> out.add(fromJson((JsonObject) o)));
    }
    return out;
  }
}
