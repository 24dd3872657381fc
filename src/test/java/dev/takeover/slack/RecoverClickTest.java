package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /takeover recover}'s button and what a click on it becomes, without any I/O. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RecoverClickTest {

  /** A block_actions payload as Slack posts it for a click on the recover button of an ephemeral message. */
  static JsonObject payload(String user, String channel, String node, String messageTs, String actionTs, String url) {
    return new JsonObject().put("type", "block_actions")
        .put("user", new JsonObject().put("id", user).put("username", "alice").put("name", "alice").put("team_id", "T0001"))
        .put("api_app_id", "A123456").put("token", "gIkuvaNzQIHg97ATvDxqgjtO")
        .put("container", new JsonObject().put("type", "message").put("message_ts", messageTs)
            .put("channel_id", channel).put("is_ephemeral", true))
        .put("trigger_id", "13345224609.738474920.8088930838d88f008e0")
        .put("team", new JsonObject().put("id", "T0001").put("domain", "example"))
        .put("channel", new JsonObject().put("id", channel).put("name", "ops"))
        .put("response_url", url)
        .put("actions", new JsonArray().add(new JsonObject().put("action_id", RecoverBlocks.CONFIRM)
            .put("block_id", "b1").put("value", node).put("style", "danger").put("type", "button")
            .put("action_ts", actionTs)));
  }

  static String form(JsonObject payload) {
    return "payload=" + URLEncoder.encode(payload.encode(), StandardCharsets.UTF_8);
  }

  private static RecoverClick click(JsonObject payload) {
    RecoverClick.Read r = RecoverClick.read(form(payload).getBytes(StandardCharsets.UTF_8));
    return assertInstanceOf(RecoverClick.Clicked.class, r, r.toString()).click();
  }

  @Test
  void recover_with_one_node_name_is_understood_and_listed_in_the_usage() {
    assertEquals(new SlashCommand.Recover("kube-node02"), SlashCommand.action("recover kube-node02"));
    assertEquals(new SlashCommand.Recover("kube-node02"), SlashCommand.action("RECOVER  kube-node02 "));
    for (String bad : new String[] {"recover", "recover Kube_Node02", "recover kube-node02 now"}) {
      assertInstanceOf(SlashCommand.Bad.class, SlashCommand.action(bad), bad);
    }
    assertTrue(SlashCommand.USAGE.stream().anyMatch(l -> l.startsWith("/takeover recover <node>")));
  }

  @Test
  void the_offer_is_a_danger_button_behind_a_dialog_asking_whether_the_node_is_powered_off() {
    JsonObject offer = RecoverBlocks.offer("kube-node02", RecoverBlocks.state(new JsonObject().put("ready", false)));
    assertEquals("ephemeral", offer.getString("response_type"));
    JsonArray blocks = offer.getJsonArray("blocks");
    String section = blocks.getJsonObject(0).getJsonObject("text").getString("text");
    assertTrue(section.contains("`kube-node02`") && section.contains("not Ready") && section.contains("powered off")
        && section.contains("ReadWriteOnce"), section);
    JsonObject button = blocks.getJsonObject(1).getJsonArray("elements").getJsonObject(0);
    assertEquals("actions", blocks.getJsonObject(1).getString("type"));
    assertEquals("takeover_recover_confirm", button.getString("action_id"));
    assertEquals("kube-node02", button.getString("value"));
    assertEquals("danger", button.getString("style"));
    JsonObject confirm = button.getJsonObject("confirm");
    assertEquals("Is kube-node02 powered off?", confirm.getJsonObject("title").getString("text"));
    assertEquals("It is powered off: recover", confirm.getJsonObject("confirm").getString("text"));
    assertEquals("Cancel", confirm.getJsonObject("deny").getString("text"));
    for (String f : new String[] {"title", "text", "confirm", "deny"}) {
      assertEquals("plain_text", confirm.getJsonObject(f).getString("type"), f);
    }

    // The longest node name the API server takes still fits Slack's limits (75, 100, 300 characters).
    String longest = ("a".repeat(63) + ".").repeat(3) + "a".repeat(61);
    JsonObject big = RecoverBlocks.offer(longest, null).getJsonArray("blocks").getJsonObject(1)
        .getJsonArray("elements").getJsonObject(0);
    assertTrue(big.getJsonObject("text").getString("text").length() <= 75);
    assertTrue(big.getJsonObject("confirm").getJsonObject("title").getString("text").length() <= 100);
    assertTrue(big.getJsonObject("confirm").getJsonObject("text").getString("text").length() <= 300);
    assertEquals(longest, big.getString("value"));
  }

  @Test
  void every_click_on_one_message_is_the_same_ticket_a_new_message_a_new_one() {
    RecoverClick first = click(payload("U123", "C456", "kube-node02", "1700000000.000100", "1700000010.000200", "https://x"));
    RecoverClick again = click(payload("U123", "C456", "kube-node02", "1700000000.000100", "1700000011.000900", "https://y"));
    RecoverClick other = click(payload("U123", "C456", "kube-node02", "1700000500.000100", "1700000510.000200", "https://x"));
    assertNull(first.ignored());
    assertTrue(first.ticketId().matches("slack-recover-[0-9a-f]{12}"), first.ticketId());
    assertEquals(first.ticketId(), again.ticketId());
    assertEquals(first.ticket(), again.ticket(), "the same bytes: a duplicate for the intake, not a conflict");
    assertNotEquals(first.ticketId(), other.ticketId());

    JsonObject t = first.ticket();
    assertEquals("recover", t.getString("action"));
    assertEquals("kube-node02", t.getString("node"));
    assertEquals("slack:U123", t.getString("requestedBy"));
    assertTrue(t.getJsonObject("options").getBoolean("poweredOff"));
    assertTrue(t.getString("reason").contains("@alice") && t.getString("reason").contains("#ops"), t.getString("reason"));
  }

  @Test
  void payloads_that_cannot_be_read_or_are_not_the_recover_button_say_why_in_one_line() {
    String[] unreadable = {"", "payload=", "payload=%ZZ", "payload=not-json", "payload=%5B1%2C2%5D", "token=x",
        form(new JsonObject().put("type", "block_actions")),
        form(payload("U123", "C456", "kube-node02", "1", "2", "https://x").put("user", "U123"))};
    for (String body : unreadable) {
      RecoverClick.Read r = RecoverClick.read(body.getBytes(StandardCharsets.UTF_8));
      String why = assertInstanceOf(RecoverClick.Unreadable.class, r, body).why();
      assertTrue(!why.contains("\n") && why.length() < 120, why);
    }
    JsonObject other = payload("U123", "C456", "kube-node02", "1", "2", "https://x");
    other.getJsonArray("actions").getJsonObject(0).put("action_id", "approve\n2026 INFO forged");
    assertNotNull(click(other).ignored());
    assertTrue(!click(other).ignored().contains("\n"), click(other).ignored());
    assertNotNull(click(payload("U123", "C456", "Kube_Node02", "1", "2", "https://x")).ignored());
    assertNotNull(click(payload("U123", "C456", "kube-node02", "1", "2", "https://x").put("type", "view_submission"))
        .ignored());
    assertNotNull(click(payload("U123", "C456", "kube-node02", "", "", "https://x")).ignored());
  }
}
