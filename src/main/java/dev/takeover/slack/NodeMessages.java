package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** The Slack messages of the dead-node watch's events ({@code takeover.node.events}), in Block Kit. */
final class NodeMessages {
  /** Names listed in a partition message; a partition of a large cluster downs hundreds, and the count says it. */
  static final int NAMES_LISTED = 20;

  private NodeMessages() {}

  /** The message telling a node event, or null for a type not told. */
  static JsonObject forEvent(JsonObject event) {
    String type = event.getString("type", "");
    if (type.startsWith("nodes.")) {
      return partition(type, event.getJsonObject("data", new JsonObject()));
    }
    String node = BlockKit.esc(event.getString("node", ""));
    JsonObject data = event.getJsonObject("data", new JsonObject());
    String head = switch (type) {
      case "node.down" -> ":rotating_light: Node `" + node + "` is down: its StatefulSet pods are stuck. "
          + BlockKit.esc(dev.takeover.config.RecoveryConfig.Policy.next(data.getString("policy")));
      case "node.recovered" -> ":white_check_mark: Node `" + node + "` recovered";
      case "node.taint-removed" -> ":white_check_mark: Node `" + node + "` is back: Takeover removed its"
          + " out-of-service taint (recover ticket `" + BlockKit.esc(data.getString("ticket")) + "`)";
      default -> null;
    };
    if (head == null) {
      return null;
    }
    JsonArray pods = data.getJsonArray("pods", new JsonArray());
    List<JsonObject> moves = new ArrayList<>();
    for (Object p : pods) {
      if (p instanceof JsonObject pod) {
        // As the run messages list moves: the pod, where it is, its claims and volumes.
        moves.add(new JsonObject().put("pod", pod.getString("pod")).put("fromNode", event.getString("node"))
            .put("toNode", "(stuck)").put("claims", pod.getJsonArray("claims", new JsonArray())));
      }
    }
    JsonObject message = BlockKit.message(head, List.of(BlockKit.esc(data.getString("reason", ""))));
    if ("node.down".equals(type) && !moves.isEmpty()) {
      List<String> sections = BlockKit.pods(new JsonArray(moves));
      for (int i = 0; i < sections.size(); i++) {
        message.getJsonArray("blocks").add(1 + i, new JsonObject().put("type", "section")
            .put("text", new JsonObject().put("type", "mrkdwn").put("text", sections.get(i))));
      }
    }
    return message;
  }

  /** "2 of 3 nodes are down … Takeover recovers none until …", and when it is over; the names in a context line. */
  private static JsonObject partition(String type, JsonObject data) {
    JsonArray down = data.getJsonArray("down", new JsonArray());
    int total = data.getInteger("total", 0);
    double share = data.getDouble("maxDownShare", 0.0);
    String of = down.size() + " of " + total + " nodes";
    String limit = "deadNodes.maxDownShare (" + String.format(java.util.Locale.ROOT, "%.0f%%", share * 100) + ")";
    String head = switch (type) {
      case "nodes.partitioned" -> ":warning: " + of + " are down at once, more than " + limit
          + ": likely a network partition or a control-plane problem. Takeover recovers none" + until(total, share)
          + "; it still reports nodes down";
      case "nodes.partition-over" -> ":white_check_mark: " + of + " down now, not more than " + limit
          + ": recovery follows deadNodes.policy again";
      default -> null;
    };
    if (head == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < down.size() && i < NAMES_LISTED; i++) {
      names.add("`" + BlockKit.esc(String.valueOf(down.getValue(i))) + "`");
    }
    String more = down.size() > NAMES_LISTED ? " and " + (down.size() - NAMES_LISTED) + " more" : "";
    return BlockKit.message(head, names.isEmpty() ? List.of() : List.of("Down: " + String.join(", ", names) + more));
  }

  private static String until(int total, double share) {
    try {
      return " until at most " + dev.takeover.cluster.DeadNodes.mostDown(total, share) + " of " + total + " are down";
    } catch (IllegalArgumentException e) {
      return ""; // a share no config allows: the limit is not told rather than told wrong
    }
  }
}
