package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Nodes: read, cordon, uncordon, annotate, taint; and their Leases in kube-node-lease. */
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

  /** What to write on a node: {@code spec.unschedulable} (null removes it, as kubectl uncordon does) and annotations. */
  public record Change(Boolean unschedulable, Map<String, String> annotations) {}

  /**
   * Writes {@code change.apply(node)} in one JSON merge patch, which every API server accepts (kubectl sends a
   * strategic merge patch; for these fields the two mean the same). The patch carries the resourceVersion the
   * change was decided on, so a concurrent write (someone cordoning, the node controller adding its taint, the
   * kubelet's status) makes the API server answer 409 instead of being overwritten: then the node is read again
   * and the change decided again on what is there now, up to {@value #ATTEMPTS} times.
   */
  public Future<Node> update(Node read, Function<Node, Change> change) {
    return update(read, change, 1);
  }

  private static final int ATTEMPTS = 5;

  private Future<Node> update(Node read, Function<Node, Change> decide, int attempt) {
    if (read == null) {
      return Future.failedFuture(new KubeFailure("update node", new IllegalStateException("the node no longer exists")));
    }
    Change change = decide.apply(read);
    String name = read.getMetadata().getName();
    JsonObject metadata = new JsonObject().put("resourceVersion", read.getMetadata().getResourceVersion());
    if (!change.annotations().isEmpty()) {
      JsonObject ann = new JsonObject();
      change.annotations().forEach(ann::put);
      metadata.put("annotations", ann);
    }
    JsonObject patch = new JsonObject().put("metadata", metadata)
        .put("spec", new JsonObject().put("unschedulable", change.unschedulable()));
    String what = (Boolean.TRUE.equals(change.unschedulable()) ? "cordon node " : "uncordon node ") + name;
    return calls.blocking(what, () -> calls.client().nodes().withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch.encode()))
        .recover(e -> {
          if (KubeCalls.statusOf(e) != 409 || attempt >= ATTEMPTS) {
            return Future.failedFuture(e);
          }
          return get(name).compose(fresh -> update(fresh, decide, attempt + 1));
        });
  }

  /** The node's Lease in {@value #LEASE_NAMESPACE} (the kubelet's heartbeat), or null when it has none. */
  public Future<Lease> lease(String node) {
    return calls.blocking("read lease of node " + node,
        () -> calls.client().leases().inNamespace(LEASE_NAMESPACE).withName(node).get());
  }

  public Future<List<Lease>> leases() {
    return calls.blocking("list node leases", () -> calls.client().leases().inNamespace(LEASE_NAMESPACE).list().getItems());
  }

  public static final String LEASE_NAMESPACE = "kube-node-lease";

  /** What to write on a node's taints: the whole list as it must be (null: unchanged) and annotations. */
  public record TaintChange(List<Taint> taints, Map<String, String> annotations) {}

  /**
   * Writes {@code spec.taints} and annotations, decided on the node as read: a JSON merge patch replaces the whole
   * taint list, so it carries the resourceVersion it was decided on and a concurrent write (the node lifecycle
   * controller's own taints) makes it 409, read again and decided again, up to {@value #ATTEMPTS} times. The
   * decision may throw to stop (e.g. the node is Ready again): nothing is written then.
   */
  public Future<Node> updateTaints(Node read, Function<Node, TaintChange> decide) {
    return updateTaints(read, decide, 1);
  }

  /**
   * One attempt of {@link #updateTaints}: a conflict (409) fails the future, for a caller whose decision rests on more
   * than the node (a recovery also reads the node's Lease again before it decides again).
   */
  public Future<Node> updateTaintsOnce(Node read, Function<Node, TaintChange> decide) {
    return updateTaints(read, decide, ATTEMPTS);
  }

  private Future<Node> updateTaints(Node read, Function<Node, TaintChange> decide, int attempt) {
    if (read == null) {
      return Future.failedFuture(new KubeFailure("taint node", new IllegalStateException("the node no longer exists")));
    }
    TaintChange change;
    try {
      change = decide.apply(read);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String name = read.getMetadata().getName();
    JsonObject metadata = new JsonObject().put("resourceVersion", read.getMetadata().getResourceVersion());
    if (!change.annotations().isEmpty()) {
      JsonObject ann = new JsonObject();
      change.annotations().forEach(ann::put);
      metadata.put("annotations", ann);
    }
    JsonObject patch = new JsonObject().put("metadata", metadata);
    if (change.taints() != null) {
      io.vertx.core.json.JsonArray taints = new io.vertx.core.json.JsonArray();
      change.taints().forEach(t -> taints.add(new JsonObject(io.fabric8.kubernetes.client.utils.Serialization.asJson(t))));
      patch.put("spec", new JsonObject().put("taints", taints));
    }
    return calls.blocking("taint node " + name, () -> calls.client().nodes().withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch.encode()))
        .recover(e -> {
          if (KubeCalls.statusOf(e) != 409 || attempt >= ATTEMPTS) {
            return Future.failedFuture(e);
          }
          return get(name).compose(fresh -> updateTaints(fresh, decide, attempt + 1));
        });
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
