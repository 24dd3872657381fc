package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A click as Slack posts it to the Interactivity Request URL: a form with one field, {@code payload}, whose JSON is
 * a {@code block_actions} payload ({@code type, user{id, username, name}, team{id}, channel{id, name},
 * container{type, message_ts, channel_id, is_ephemeral}, actions[{action_id, block_id, value, type, action_ts}],
 * response_url, trigger_id…}). Read only after the signature was checked; nothing here throws.
 *
 * @param actionTs when the button was clicked: different for each click, so never part of the ticket id
 * @param messageTs the message the button is on: the same for every click on it, so the ticket's id is derived
 *                  from it (a double click, or a click tried again, is the same ticket)
 */
record RecoverClick(String type, String userId, String userName, String teamId, String channelId, String channelName,
                    String actionId, String value, String messageTs, String actionTs, String responseUrl) {

  /** What the body became: a click, or why it is not one (one line, for the log). */
  sealed interface Read permits Clicked, Unreadable {}

  record Clicked(RecoverClick click) implements Read {}

  record Unreadable(String why) implements Read {}

  static Read read(byte[] body) {
    String payload = null;
    for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
      if (pair.startsWith("payload=")) {
        try {
          payload = URLDecoder.decode(pair.substring("payload=".length()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return new Unreadable("the payload field is not URL-encoded");
        }
        break;
      }
    }
    if (payload == null) {
      return new Unreadable("the form has no payload field");
    }
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (RuntimeException e) {
      return new Unreadable("the payload is not a JSON object");
    }
    JsonObject user = object(json, "user");
    JsonObject channel = object(json, "channel");
    JsonObject container = object(json, "container");
    Object actions = json.getValue("actions");
    JsonObject action = actions instanceof JsonArray a && !a.isEmpty() && a.getValue(0) instanceof JsonObject first
        ? first : new JsonObject();
    RecoverClick c = new RecoverClick(text(json, "type"), text(user, "id"),
        text(user, "username").isEmpty() ? text(user, "name") : text(user, "username"), text(object(json, "team"), "id"),
        text(channel, "id").isEmpty() ? text(container, "channel_id") : text(channel, "id"), text(channel, "name"),
        text(action, "action_id"), text(action, "value"), text(container, "message_ts"), text(action, "action_ts"),
        text(json, "response_url"));
    if (c.userId().isEmpty() || c.channelId().isEmpty()) {
      return new Unreadable("the payload names no user or no channel");
    }
    return new Clicked(c);
  }

  /** Null when this is a click this route acts on; else why it is ignored (one line, for the log). */
  String ignored() {
    if (!"block_actions".equals(type)) {
      return "a payload of type " + printable(type) + ", not block_actions";
    }
    if (!RecoverBlocks.CONFIRM.equals(actionId)) {
      return "an action " + printable(actionId) + " this daemon does not offer";
    }
    if (!dev.takeover.ticket.Ticket.isNodeName(value)) {
      return "a recover button whose value is not a node name";
    }
    if (messageTs.isEmpty() && actionTs.isEmpty()) {
      return "a click without container.message_ts or action_ts";
    }
    return null;
  }

  /**
   * The ticket's id: the same for every click of one user on one message's button (team, channel, message, node,
   * user), a retry included; a new {@code /takeover recover} is a new message, so a new ticket. Only when Slack gives no
   * message_ts does the click's own action_ts stand in, which still makes a retried request one ticket.
   */
  String ticketId() {
    // The user is in it: a second user's click on the same button carries another requester, so it must be a ticket
    // of its own (the same id with other content would be refused as a conflict); the scheduler runs it after the
    // first, which then finds nothing stuck.
    String key = teamId + "|" + channelId + "|" + (messageTs.isEmpty() ? "a" + actionTs : messageTs) + "|" + value
        + "|" + userId;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "slack-recover-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Who clicked, as the messages and the reason show it. */
  String who() {
    return userName.isEmpty() ? userId : "@" + userName;
  }

  /**
   * The ticket of the Kafka format: the same bytes for every click on one button (nothing of the click's time is in
   * it), so that the intake takes a second one as a duplicate, not as a conflict.
   */
  JsonObject ticket() {
    String where = channelName.isEmpty() ? channelId : "#" + channelName;
    return new JsonObject().put("id", ticketId()).put("action", "recover").put("node", value)
        .put("requestedBy", SlackTickets.cut("slack:" + userId, 256))
        .put("reason", SlackTickets.cut("/takeover recover " + value + ": confirmed powered off (by " + who() + " in "
            + where + ")", 1024))
        .put("options", new JsonObject().put("poweredOff", true));
  }

  /** A Slack id or word as logged: only what ids are made of, so that a forged body cannot forge log lines. */
  static String printable(String id) {
    String s = id.replaceAll("[^A-Za-z0-9_.-]", "?");
    return s.isEmpty() ? "(none)" : s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }

  private static JsonObject object(JsonObject json, String field) {
    return json.getValue(field) instanceof JsonObject o ? o : new JsonObject();
  }

  private static String text(JsonObject json, String field) {
    return json.getValue(field) instanceof String s ? s : "";
  }
}
