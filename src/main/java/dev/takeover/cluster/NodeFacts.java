package dev.takeover.cluster;

import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.plan.NodeConditions;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.json.JsonObject;

/**
 * What the daemon needs to know of a node between runs: whether it exists, is a control-plane node, is cordoned
 * (and whether by Takeover, for which run), and is Ready.
 */
public record NodeFacts(String name, boolean controlPlane, boolean cordoned, boolean ready, String takeoverRun,
                        boolean cordonedByTakeover) {

  public static NodeFacts of(Node node) {
    NodeRecord record = NodeRecord.read(node);
    return new NodeFacts(node.getMetadata().getName(), NodeConditions.isControlPlane(node),
        !NodeConditions.isSchedulable(node), NodeConditions.isReady(node),
        record == null ? null : record.run(), record != null && record.cordonedByTakeover());
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("controlPlane", controlPlane).put("cordoned", cordoned)
        .put("ready", ready).put("takeoverRun", takeoverRun).put("cordonedByTakeover", cordonedByTakeover);
  }

  public static NodeFacts fromJson(JsonObject j) {
    return new NodeFacts(j.getString("name"), j.getBoolean("controlPlane", false), j.getBoolean("cordoned", false),
        j.getBoolean("ready", false), j.getString("takeoverRun"), j.getBoolean("cordonedByTakeover", false));
  }
}
