package dev.takeover.slack;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slack's v0 signature, with the example of Slack's "Verifying requests from Slack" (secret, timestamp, body and
 * signature as published there), checked at the time it was made.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SlackSignatureTest {
  static final String DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String DOC_TIMESTAMP = "1531420618";
  static final String DOC_BODY = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
      + "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
      + "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J"
      + "%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  static final String DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

  static Clock at(long epochSecond) {
    return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void slacks_documented_example_verifies_at_its_time() {
    SlackSignature s = new SlackSignature(DOC_SECRET, at(1531420618L));
    assertEquals(DOC_SIGNATURE, SlackSignature.sign(DOC_SECRET, DOC_TIMESTAMP, bytes(DOC_BODY)));
    assertNull(s.refuse(DOC_TIMESTAMP, DOC_SIGNATURE, bytes(DOC_BODY)));
  }

  @Test
  void five_minutes_either_way_is_the_limit() {
    for (long drift : new long[] {-300, 300}) {
      assertNull(new SlackSignature(DOC_SECRET, at(1531420618L + drift)).refuse(DOC_TIMESTAMP, DOC_SIGNATURE,
          bytes(DOC_BODY)), "drift " + drift);
    }
    for (long drift : new long[] {-301, 301}) {
      String why = new SlackSignature(DOC_SECRET, at(1531420618L + drift)).refuse(DOC_TIMESTAMP, DOC_SIGNATURE,
          bytes(DOC_BODY));
      assertNotNull(why, "drift " + drift);
      assertTrue(why.contains("5 minutes"), why);
    }
  }

  @Test
  void a_changed_body_a_forged_signature_or_missing_headers_are_refused_without_telling_the_secret() {
    SlackSignature s = new SlackSignature(DOC_SECRET, at(1531420618L));
    String[] refusals = {
        s.refuse(DOC_TIMESTAMP, DOC_SIGNATURE, bytes(DOC_BODY.replace("text=", "text=node"))),
        s.refuse(DOC_TIMESTAMP, SlackSignature.sign("another-secret", DOC_TIMESTAMP, bytes(DOC_BODY)), bytes(DOC_BODY)),
        s.refuse(DOC_TIMESTAMP, DOC_SIGNATURE.toUpperCase(), bytes(DOC_BODY)),
        s.refuse(DOC_TIMESTAMP, DOC_SIGNATURE.substring(3), bytes(DOC_BODY)),
        s.refuse(null, DOC_SIGNATURE, bytes(DOC_BODY)),
        s.refuse(DOC_TIMESTAMP, null, bytes(DOC_BODY)),
        s.refuse("1531420618.5", DOC_SIGNATURE, bytes(DOC_BODY)),
        s.refuse("-1", DOC_SIGNATURE, bytes(DOC_BODY)),
        s.refuse("99999999999999999999", DOC_SIGNATURE, bytes(DOC_BODY)),
        new SlackSignature("", at(1531420618L)).refuse(DOC_TIMESTAMP, DOC_SIGNATURE, bytes(DOC_BODY))};
    for (String why : refusals) {
      assertNotNull(why);
      assertFalse(why.contains(DOC_SECRET) || why.contains(DOC_SIGNATURE.substring(3)), why);
    }
  }
}
