package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** Nodes: read, cordon, uncordon, annotate. */
public final class NodeOps {
  private final KubeCalls calls;

  public NodeOps(KubeCalls calls) {
    this.calls = calls;
  }

  /** The node, or null when there is none of that name. */
  public Future<Node> get(String name) {
    return calls.blocking("read node " + name, () -> calls.client().nodes().withName(name).get());
  }

  public Future<List<Node>> list() {
    return calls.blocking("list nodes", () -> calls.client().nodes().list().getItems());
  }

  /**
   * Sets {@code spec.unschedulable} and the given annotations in one JSON merge patch, which every API server
   * accepts (kubectl sends a strategic merge patch; for these fields the two mean the same). The patch carries
   * the resourceVersion we read, so a concurrent change (someone else cordoning) makes it fail with 409
   * instead of being overwritten. A null annotation value removes the annotation.
   */
  public Future<Node> setUnschedulable(Node read, Boolean unschedulable, Map<String, String> annotations) {
    JsonObject metadata = new JsonObject().put("resourceVersion", read.getMetadata().getResourceVersion());
    JsonObject ann = new JsonObject();
    annotations.forEach(ann::put);
    if (!annotations.isEmpty()) {
      metadata.put("annotations", ann);
    }
    // null (not false) on uncordon, as kubectl does: the field disappears from the spec.
    JsonObject patch = new JsonObject().put("metadata", metadata)
        .put("spec", new JsonObject().put("unschedulable", unschedulable));
    String name = read.getMetadata().getName();
    String what = (Boolean.TRUE.equals(unschedulable) ? "cordon node " : "uncordon node ") + name;
    return calls.blocking(what, () -> calls.client().nodes().withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch.encode()));
  }

  /** Adds, changes (or with a null value removes) annotations, leaving the rest of the node alone. */
  public Future<Node> annotate(String name, Map<String, String> annotations) {
    JsonObject ann = new JsonObject();
    annotations.forEach(ann::put);
    JsonObject patch = new JsonObject().put("metadata", new JsonObject().put("annotations", ann));
    return calls.blocking("annotate node " + name, () -> calls.client().nodes().withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch.encode()));
  }
}
