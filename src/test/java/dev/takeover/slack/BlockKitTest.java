package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a big run as Slack would take it: Slack refuses ({@code invalid_blocks}, 400, never retried) a section
 * whose text is over 3,000 characters or a message of more than 50 blocks, and the outcome would be lost.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BlockKitTest {
  static final int SLACK_SECTION_LIMIT = 3_000;
  static final int SLACK_BLOCK_LIMIT = 50;
  static final Pattern MORE = Pattern.compile("… and (\\d+) more");

  /** A pod of an EKS cluster: long node names, claims bound to {@code pvc-<uuid>} volumes. */
  static JsonObject eksMove(int i) {
    JsonArray claims = new JsonArray();
    for (String c : List.of("data", "logs")) {
      claims.add(new JsonObject().put("claim", c + "-cassandra-" + i).put("volume", "pvc-" + UUID.randomUUID()));
    }
    return new JsonObject().put("pod", "cassandra-prod/cassandra-" + i)
        .put("fromNode", "ip-10-0-12-" + (10 + i) + ".eu-west-1.compute.internal")
        .put("toNode", "ip-10-0-13-" + (10 + i) + ".eu-west-1.compute.internal")
        .put("claims", claims).put("timeToReadyMs", 83_400L + i);
  }

  static JsonObject completed(int pods) {
    JsonArray moves = new JsonArray();
    for (int i = 0; i < pods; i++) {
      moves.add(eksMove(i));
    }
    return new JsonObject().put("type", "completed").put("ticket", "slack-0a1b2c3d4e")
        .put("node", "ip-10-0-12-34.eu-west-1.compute.internal").put("time", "2026-03-01T10:00:00Z")
        .put("data", new JsonObject().put("tookMs", 612_000L).put("run", "r-1").put("moves", moves)
            .put("reason", "x".repeat(5_000)));
  }

  @Test
  void forty_eks_pods_fit_slacks_limits_and_every_pod_is_listed_or_counted() {
    JsonObject message = BlockKit.forEvent(completed(40));
    JsonArray blocks = message.getJsonArray("blocks");
    assertTrue(blocks.size() <= SLACK_BLOCK_LIMIT, blocks.size() + " blocks");
    int listed = 0;
    int more = 0;
    int chars = 0;
    for (Object o : blocks) {
      JsonObject block = (JsonObject) o;
      if (!"section".equals(block.getString("type"))) {
        continue;
      }
      String text = block.getJsonObject("text").getString("text");
      assertTrue(text.length() < SLACK_SECTION_LIMIT, "a section of " + text.length() + " characters");
      chars += text.length();
      listed += (int) text.lines().filter(l -> l.startsWith("• `cassandra-prod/")).count();
      Matcher m = MORE.matcher(text);
      if (m.find()) {
        more += Integer.parseInt(m.group(1));
      }
    }
    assertEquals(40, listed + more, "each pod listed, or counted in '… and N more': " + message.encode());
    assertTrue(listed >= 20, "as many pods as before are listed: " + listed);
    // Slack's undocumented msg_blocks_too_long comes at about 13,000 characters of blocks in all.
    assertTrue(chars < 12_000, chars + " characters in all");
    assertTrue(blocks.getJsonObject(0).getJsonObject("text").getString("text").startsWith(":white_check_mark: "));
  }

  @Test
  void a_thousand_pods_still_make_one_message_within_the_limits() {
    JsonArray blocks = BlockKit.forEvent(completed(1_000)).getJsonArray("blocks");
    assertTrue(blocks.size() <= SLACK_BLOCK_LIMIT, blocks.size() + " blocks");
    String all = blocks.encode();
    Matcher m = MORE.matcher(all);
    assertTrue(m.find(), all);
    int listed = all.split("• `cassandra-prod/", -1).length - 1;
    assertEquals(1_000, listed + Integer.parseInt(m.group(1)));
    blocks.forEach(b -> {
      JsonObject text = ((JsonObject) b).getJsonObject("text");
      assertTrue(text == null || text.getString("text").length() < SLACK_SECTION_LIMIT);
    });
  }
}
