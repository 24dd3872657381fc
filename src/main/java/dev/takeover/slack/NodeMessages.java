package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** The Slack messages of the dead-node watch's events ({@code takeover.node.events}), in Block Kit. */
final class NodeMessages {
  private NodeMessages() {}

  /** The message telling a node event, or null for a type not told. */
  static JsonObject forEvent(JsonObject event) {
    String type = event.getString("type", "");
    String node = BlockKit.esc(event.getString("node", ""));
    JsonObject data = event.getJsonObject("data", new JsonObject());
    String head = switch (type) {
      case "node.down" -> ":rotating_light: Node `" + node + "` is down: its StatefulSet pods are stuck."
          + " Takeover changed nothing (detection only)";
      case "node.recovered" -> ":white_check_mark: Node `" + node + "` recovered";
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
}
