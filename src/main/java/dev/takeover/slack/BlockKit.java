package dev.takeover.slack;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The messages Takeover sends to Slack, in Block Kit: a {@code text} (what notifications and screen readers show)
 * and {@code blocks} (what the channel shows). Everything that comes from outside (node names, reasons, a user's
 * words) is escaped as Slack's mrkdwn asks ({@code & < >}), so that it cannot turn into a link or a mention.
 */
final class BlockKit {
  /** Ticket events that end a ticket: the last message of its story. */
  static final Set<String> ENDS = Set.of("completed", "failed", "cancelled", "expired", "rejected");
  /** Ticket events told to Slack: the ends, and the progress between. */
  static final Set<String> TOLD = Set.of("scheduled", "joined", "started", "completed", "failed", "cancelled",
      "expired", "rejected");
  /**
   * Slack refuses a section whose text is over 3,000 characters, or a message of more than 50 blocks, with a 400
   * ({@code invalid_blocks}) that is not worth retrying: the message would be lost. Each section stays below this,
   * with room for what escaping adds to a cut.
   */
  static final int SECTION_CHARS = 2_900;
  /**
   * The pod lines of one message in all: at most 3 sections, so that the message (head and context included) stays
   * under the ~13,000 characters of blocks past which Slack answers {@code msg_blocks_too_long}, a limit it does not
   * document. Pods past it are counted in "… and N more"; the events topic has them all.
   */
  static final int POD_CHARS = 8_000;
  /** One pod's line at most: a pod with many claims does not crowd out the others. */
  static final int LINE_CHARS = 600;
  /** Room kept for the "… and N more" line. */
  private static final int MORE_CHARS = 24;

  private BlockKit() {}

  /** The immediate answer to a command: seen only by the user who typed it. */
  static JsonObject ephemeral(String mrkdwn) {
    return message(mrkdwn, List.of()).put("response_type", "ephemeral");
  }

  /** A message of one section, and a context line under it for each of {@code context}. */
  static JsonObject message(String mrkdwn, List<String> context) {
    JsonArray blocks = new JsonArray().add(section(mrkdwn));
    if (!context.isEmpty()) {
      JsonArray elements = new JsonArray();
      context.forEach(c -> elements.add(new JsonObject().put("type", "mrkdwn").put("text", clip(c, SECTION_CHARS))));
      blocks.add(new JsonObject().put("type", "context").put("elements", elements));
    }
    return new JsonObject().put("text", clip(plain(mrkdwn), SECTION_CHARS)).put("blocks", blocks);
  }

  /**
   * The message telling a ticket event ({@code {type, ticket, node, time, data}}), or null for a type not told.
   * The end of a run lists each StatefulSet pod it moved: old node → new node, claim → volume, time to Ready.
   */
  static JsonObject forEvent(JsonObject event) {
    String type = event.getString("type", "");
    if (!TOLD.contains(type)) {
      return null;
    }
    JsonObject data = event.getJsonObject("data", new JsonObject());
    String ticket = esc(event.getString("ticket", ""));
    String node = esc(event.getString("node", ""));
    String reason = esc(data.getString("reason", ""));
    String head = switch (type) {
      case "scheduled" -> ":hourglass_flowing_sand: Ticket `" + ticket + "` on `" + node + "` waits"
          + (reason.isEmpty() ? "" : ": " + reason);
      case "joined" -> ":link: Ticket `" + ticket + "` on `" + node + "` joins ticket `"
          + esc(data.getString("joined", "")) + "`";
      case "started" -> ":arrow_forward: " + capital(data.getString("kind", "run")) + " of `" + node
          + "` started (ticket `" + ticket + "`" + (data.getBoolean("resumed", false) ? ", resumed where it stopped" : "")
          + (data.getBoolean("dryRun", false) ? ", dry run" : "") + ")";
      case "completed" -> ":white_check_mark: Ticket `" + ticket + "` on `" + node + "` completed"
          + took(data) + (reason.isEmpty() ? "" : ": " + reason);
      case "failed" -> ":x: Ticket `" + ticket + "` on `" + node + "` failed" + took(data)
          + (reason.isEmpty() ? "" : ": " + reason);
      case "cancelled" -> ":no_entry_sign: Ticket `" + ticket + "` on `" + node + "` was cancelled"
          + (reason.isEmpty() ? "" : ": " + reason);
      case "expired" -> ":alarm_clock: Ticket `" + ticket + "` on `" + node + "` expired"
          + (reason.isEmpty() ? "" : ": " + reason);
      default -> ":no_entry: Ticket `" + ticket + "` on `" + node + "` was refused ("
          + esc(data.getString("code", "")) + ")" + (reason.isEmpty() ? "" : ": " + reason);
    };
    JsonObject message = message(head, context(data));
    JsonArray moves = data.getJsonArray("moves");
    if (moves != null && !moves.isEmpty()) {
      List<String> pods = pods(moves);
      for (int i = 0; i < pods.size(); i++) {
        message.getJsonArray("blocks").add(1 + i, section(pods.get(i)));
      }
    }
    return message;
  }

  /**
   * One line a pod ({@code default/mysql-0: kube-node02 → kube-node01 · pvc-mysql-0 → pv1 · Ready after 1.2 s}), in
   * sections of at most {@link #SECTION_CHARS} characters, {@link #POD_CHARS} in all; the pods left out are counted.
   */
  static List<String> pods(JsonArray moves) {
    List<String> sections = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    int total = 0;
    int listed = 0;
    for (; listed < moves.size(); listed++) {
      String line = clip(line(moves.getValue(listed)), LINE_CHARS);
      if (total + line.length() + 1 + MORE_CHARS > POD_CHARS) {
        break;
      }
      if (b.length() + line.length() + 1 + MORE_CHARS > SECTION_CHARS) {
        sections.add(b.toString());
        b.setLength(0);
      }
      b.append(b.isEmpty() ? "" : "\n").append(line);
      total += line.length() + 1;
    }
    if (listed < moves.size()) {
      b.append(b.isEmpty() ? "" : "\n").append("… and ").append(moves.size() - listed).append(" more");
    }
    sections.add(b.toString());
    return sections;
  }

  private static String line(Object move) {
    if (!(move instanceof JsonObject m)) {
      return "• (a move that cannot be read)";
    }
    StringBuilder b = new StringBuilder();
    b.append("• `").append(esc(m.getString("pod", ""))).append("`: ")
        .append(esc(m.getString("fromNode", "?"))).append(" → ").append(esc(m.getString("toNode", "?")));
    JsonArray claims = m.getJsonArray("claims", new JsonArray());
    for (int c = 0; c < claims.size(); c++) {
      if (claims.getValue(c) instanceof JsonObject claim) {
        b.append(" · ").append(esc(claim.getString("claim", "?"))).append(" → ")
            .append(esc(claim.getString("volume") == null ? "(unbound)" : claim.getString("volume")));
      }
    }
    Long ms = m.getLong("timeToReadyMs");
    if (ms != null) {
      b.append(" · Ready after ").append(seconds(ms));
    }
    return b.toString();
  }

  /** At most {@code max} characters, the last one an ellipsis when cut. */
  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static List<String> context(JsonObject data) {
    StringBuilder b = new StringBuilder();
    if (data.getString("run") != null) {
      b.append("run `").append(esc(data.getString("run"))).append("`");
    }
    if (data.getString("nodeLeft") != null) {
      b.append(b.isEmpty() ? "" : " · ").append("node left ").append(esc(data.getString("nodeLeft")));
    }
    if (data.getString("requester") != null && !data.getString("requester").isEmpty()) {
      b.append(b.isEmpty() ? "" : " · ").append("asked by ").append(esc(data.getString("requester")));
    }
    return b.isEmpty() ? List.of() : List.of(b.toString());
  }

  private static String took(JsonObject data) {
    Long ms = data.getLong("tookMs");
    return ms == null ? "" : " in " + seconds(ms);
  }

  static String seconds(long ms) {
    return ms < 60_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0)
        : String.format(Locale.ROOT, "%d min %d s", ms / 60_000, (ms / 1000) % 60);
  }

  private static JsonObject section(String mrkdwn) {
    return new JsonObject().put("type", "section").put("text", new JsonObject().put("type", "mrkdwn")
        .put("text", clip(mrkdwn, SECTION_CHARS)));
  }

  private static String capital(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + esc(s.substring(1));
  }

  /** Slack's mrkdwn escapes: only these three are control characters. */
  static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** The fallback text: the mrkdwn without its emoji codes and backticks. */
  private static String plain(String mrkdwn) {
    return mrkdwn.replaceAll(":[a-z_]+: ", "").replace("`", "");
  }
}
