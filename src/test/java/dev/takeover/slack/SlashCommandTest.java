package dev.takeover.slack;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the text of {@code /takeover} asks for; text that cannot be read is a line of help, never an exception. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SlashCommandTest {

  @Test
  void the_form_fields_are_decoded_as_slack_sends_them() {
    SlashCommand c = SlashCommand.parse(SlackSignatureTest.DOC_BODY.getBytes(StandardCharsets.UTF_8));
    assertEquals("/webhook-collect", c.get("command"));
    assertEquals("U2CERLKJA", c.userId());
    assertEquals("roadrunner", c.userName());
    assertEquals("G8PSS9T3V", c.channelId());
    assertEquals("https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN", c.responseUrl());
    assertInstanceOf(SlashCommand.Help.class, c.action(), "empty text");
    SlashCommand spaced = SlashCommand.parse("text=kube-node02+at+2026-12-02T01%3A00%3A00Z&user_id=U1&text=other"
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(new SlashCommand.Takeover("kube-node02", Instant.parse("2026-12-02T01:00:00Z"), false), spaced.action());
  }

  @Test
  void every_form_of_the_text_is_understood() {
    assertEquals(new SlashCommand.Takeover("kube-node02", null, false), SlashCommand.action("kube-node02"));
    assertEquals(new SlashCommand.Takeover("kube-node02", Instant.parse("2026-12-02T00:00:00Z"), true),
        SlashCommand.action("  kube-node02 keep-cordoned at 2026-12-02T01:00:00+01:00 "));
    assertEquals(new SlashCommand.Takeover("kube-node02", Instant.parse("2026-12-02T01:00:00Z"), true),
        SlashCommand.action("kube-node02 at 2026-12-02T01:00:00Z keep-cordoned"));
    assertEquals(new SlashCommand.Plan("kube-node01"), SlashCommand.action("plan kube-node01"));
    assertEquals(new SlashCommand.Status("slack-0a1b2c3d4e"), SlashCommand.action("status slack-0a1b2c3d4e"));
    assertEquals(new SlashCommand.Status("kube-node01"), SlashCommand.action("STATUS kube-node01"));
    assertEquals(new SlashCommand.Release("kube-node01"), SlashCommand.action("release kube-node01"));
    assertEquals(new SlashCommand.Cancel("CHG-1042"), SlashCommand.action("cancel CHG-1042"));
    assertInstanceOf(SlashCommand.Help.class, SlashCommand.action("help"));
    assertInstanceOf(SlashCommand.Help.class, SlashCommand.action("   "));
  }

  @Test
  void text_that_cannot_be_read_says_why_in_one_line() {
    String[] bad = {"Kube-Node02", "kube-node02 at tomorrow", "kube-node02 at", "kube-node02 now please",
        "kube-node02 keep-cordoned keep-cordoned", "plan", "plan a b", "cancel", "cancel <@U123>", "status",
        "release NODE", "kube_node02", "x".repeat(300), "kube-node02 at 2026-12-02T01:00:00",
        "`rm -rf`", "kube-node02\u0000x"};
    for (String text : bad) {
      SlashCommand.Action a = SlashCommand.action(text);
      assertInstanceOf(SlashCommand.Bad.class, a, text);
      String why = ((SlashCommand.Bad) a).why();
      assertTrue(!why.contains("\n") && why.length() < 200, why);
    }
    // A body that is not a form at all reads as fields that are absent.
    SlashCommand garbage = SlashCommand.parse(new byte[] {(byte) 0xff, '%', 'z', '&', '=', '='});
    assertEquals("", garbage.userId());
    assertInstanceOf(SlashCommand.Help.class, garbage.action());
    assertEquals("", SlashCommand.parse("user_id=%E0%A4%A&text=plan+x".getBytes(StandardCharsets.UTF_8)).userId());
  }
}
