package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static dev.takeover.slack.BlockKit.clip;
import static dev.takeover.slack.BlockKit.esc;

/**
 * The Block Kit of a manual recovery from Slack. {@code /takeover recover <node>} makes no ticket: it answers with
 * what a recovery does and a danger button whose Slack confirmation dialog asks whether the node is powered off.
 * Only the click on "It is powered off: recover" ({@link SlackInteractions}) makes the ticket, with
 * {@code options.poweredOff}: the operator's statement is the evidence a recovery without a fencing hook needs.
 * Lengths are Slack's: a button's text 75 characters, a dialog's title 100, its text 300, its buttons 30.
 */
final class RecoverBlocks {
  /** The button's action_id, which the interaction route dispatches on. */
  static final String CONFIRM = "takeover_recover_confirm";
  static final String CONFIRM_TEXT = "It is powered off: recover";
  static final String DENY_TEXT = "Cancel";
  private static final String WHY = "Recovering force-replaces its StatefulSet pods on other nodes (the node is "
      + "tainted out-of-service, its pods are deleted and started elsewhere on the same volumes). It is safe *only if "
      + "the node is powered off*: if it still runs, a ReadWriteOnce volume gets two writers and its data is corrupted.";

  private RecoverBlocks() {}

  /**
   * The answer to {@code /takeover recover <node>}: the node's state as the cluster view knows it, what a recovery
   * does, and the button.
   *
   * @param state a short mrkdwn of the node's state ("not Ready, cordoned"), or null when the cluster view did not say
   */
  static JsonObject offer(String node, String state) {
    String head = ":rotating_light: *Recover node `" + esc(node) + "`*"
        + (state == null ? " (its state is not known: the cluster view does not answer)" : " (" + state + ")") + "\n"
        + WHY;
    JsonObject confirm = new JsonObject()
        .put("title", plain(clip("Is " + node + " powered off?", 100)))
        .put("text", plain(clip("Recover " + node + " only if it is powered off (or cut from its storage). If it "
            + "still runs, its pods' ReadWriteOnce volumes get two writers and their data is corrupted.", 300)))
        .put("confirm", plain(CONFIRM_TEXT))
        .put("deny", plain(DENY_TEXT))
        .put("style", "danger");
    JsonObject button = new JsonObject().put("type", "button")
        .put("text", plain(clip("Recover " + node + " (it is powered off)", 75)))
        .put("action_id", CONFIRM)
        .put("value", node)
        .put("style", "danger")
        .put("confirm", confirm);
    JsonObject message = BlockKit.ephemeral(head);
    message.getJsonArray("blocks").add(new JsonObject().put("type", "actions").put("elements", new JsonArray().add(button)));
    return message;
  }

  /**
   * What replaces the offer once clicked: who confirmed, then the answer of the ticket (its id, or why none was
   * made). Replacing takes the button away, so a second click is unlikely; a second one is the same ticket anyway.
   */
  static JsonObject confirmed(String who, String node, JsonObject answer) {
    JsonObject message = BlockKit.message(":ballot_box_with_check: " + esc(who) + " confirmed that `" + esc(node)
        + "` is powered off.", java.util.List.of());
    JsonArray blocks = message.getJsonArray("blocks");
    answer.getJsonArray("blocks", new JsonArray()).forEach(blocks::add);
    return message.put("text", clip(message.getString("text") + " " + answer.getString("text", ""), BlockKit.SECTION_CHARS))
        .put("response_type", "ephemeral").put("replace_original", true);
  }

  /** The node's state in a few words, from the cluster view's facts ({@code ClusterWatch.NODE}). */
  static String state(JsonObject facts) {
    return (facts.getBoolean("ready", false) ? "Ready: Takeover recovers no node that is Ready" : "not Ready")
        + (facts.getBoolean("cordoned", false) ? ", cordoned" : "")
        + (facts.getBoolean("controlPlane", false) ? ", control plane" : "");
  }

  private static JsonObject plain(String text) {
    return new JsonObject().put("type", "plain_text").put("text", text);
  }
}
