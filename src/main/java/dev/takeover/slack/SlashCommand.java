package dev.takeover.slack;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A slash command as Slack posts it ({@code application/x-www-form-urlencoded}: command, text, user_id, user_name,
 * channel_id, channel_name, team_id, response_url, trigger_id…), and what its text asks for. Read only after the
 * signature was checked. Nothing here throws: a body or a text that cannot be read becomes {@link Bad}, which the
 * command answers with a line of help.
 *
 * @param fields the form's fields of interest, decoded; absent ones are ""
 */
public record SlashCommand(Map<String, String> fields) {
  private static final Set<String> KNOWN = Set.of("command", "text", "user_id", "user_name", "channel_id",
      "channel_name", "team_id", "team_domain", "response_url", "trigger_id");
  private static final Pattern NODE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern TICKET_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

  public static final List<String> USAGE = List.of(
      "/takeover <node> [at <ISO time>] [keep-cordoned]: move the node's StatefulSet pods elsewhere, then uncordon",
      "/takeover plan <node>: what a takeover would do now (a dry run)",
      "/takeover status <node|ticket>: where a ticket is, or what is known of a node",
      "/takeover release <node>: uncordon a node a takeover kept cordoned",
      "/takeover cancel <ticket>: cancel a ticket before its run, or its run at the next safe point",
      "/takeover recover <node>: replace the StatefulSet pods of a node that is down and powered off (asks you to "
          + "confirm it is off first)",
      "/takeover help: this");

  /** What the text asks for. */
  public sealed interface Action permits Takeover, Plan, Status, Release, Cancel, Recover, Help, Bad {}

  /** @param at when the run may start (null: now); @param keepCordoned leave the node cordoned afterwards */
  public record Takeover(String node, Instant at, boolean keepCordoned) implements Action {}

  public record Plan(String node) implements Action {}

  /** @param target a ticket id or a node name */
  public record Status(String target) implements Action {}

  public record Release(String node) implements Action {}

  public record Cancel(String ticket) implements Action {}

  /** Offers the recovery of a dead node behind a confirmation button: the text alone makes no ticket. */
  public record Recover(String node) implements Action {}

  public record Help() implements Action {}

  /** @param why one line for the user */
  public record Bad(String why) implements Action {}

  public SlashCommand {
    fields = Map.copyOf(fields);
  }

  /** The fields of a form body; a field that cannot be decoded is left out (and so reads as ""). */
  public static SlashCommand parse(byte[] body) {
    Map<String, String> fields = new HashMap<>();
    String form = new String(body, StandardCharsets.UTF_8);
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (!KNOWN.contains(name) || fields.containsKey(name)) {
        continue; // the first of a repeated field counts, as in Slack's own libraries
      }
      try {
        fields.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // A broken %-escape: the field is as good as absent.
      }
    }
    return new SlashCommand(fields);
  }

  public String get(String field) {
    return fields.getOrDefault(field, "");
  }

  public String userId() {
    return get("user_id");
  }

  public String userName() {
    return get("user_name");
  }

  public String channelId() {
    return get("channel_id");
  }

  public String responseUrl() {
    return get("response_url");
  }

  /** What the text asks for; never throws. */
  public Action action() {
    return action(get("text"));
  }

  static Action action(String text) {
    String[] words = text.trim().isEmpty() ? new String[0] : text.trim().split("\\s+");
    if (words.length == 0 || words.length == 1 && words[0].equalsIgnoreCase("help")) {
      return new Help();
    }
    String verb = words[0].toLowerCase(java.util.Locale.ROOT);
    switch (verb) {
      case "plan", "status", "release", "cancel", "recover" -> {
        if (words.length != 2) {
          return new Bad("`" + verb + "` takes one " + (verb.equals("cancel") ? "ticket id"
              : verb.equals("status") ? "node or ticket id" : "node name"));
        }
        String arg = words[1];
        return switch (verb) {
          case "plan" -> node(arg) == null ? new Plan(arg) : new Bad(node(arg));
          case "release" -> node(arg) == null ? new Release(arg) : new Bad(node(arg));
          case "recover" -> node(arg) == null ? new Recover(arg) : new Bad(node(arg));
          case "cancel" -> TICKET_ID.matcher(arg).matches() ? new Cancel(arg)
              : new Bad("`" + shown(arg) + "` is not a ticket id");
          default -> TICKET_ID.matcher(arg).matches() ? new Status(arg)
              : new Bad("`" + shown(arg) + "` is neither a node name nor a ticket id");
        };
      }
      default -> {
        return takeover(words);
      }
    }
  }

  /** {@code <node> [at <time>] [keep-cordoned]}, the two options in either order, each at most once. */
  private static Action takeover(String[] words) {
    String node = words[0];
    String bad = node(node);
    if (bad != null) {
      return new Bad(bad);
    }
    Instant at = null;
    boolean keep = false;
    List<String> rest = Arrays.asList(words).subList(1, words.length);
    for (int i = 0; i < rest.size(); i++) {
      String w = rest.get(i).toLowerCase(java.util.Locale.ROOT);
      if (w.equals("keep-cordoned") && !keep) {
        keep = true;
      } else if (w.equals("at") && at == null) {
        if (i + 1 >= rest.size()) {
          return new Bad("`at` needs a time, such as 2026-12-02T01:00:00Z");
        }
        try {
          at = OffsetDateTime.parse(rest.get(++i), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
          return new Bad("`" + shown(rest.get(i)) + "` is not an ISO time with an offset, such as 2026-12-02T01:00:00Z");
        }
      } else {
        return new Bad("`" + shown(rest.get(i)) + "` is not understood after the node name");
      }
    }
    return new Takeover(node, at, keep);
  }

  /** Null for a valid node name, else why not. */
  private static String node(String name) {
    if (name.length() <= 253 && NODE.matcher(name).matches()) {
      return null;
    }
    return "`" + shown(name) + "` is not a node name (lower-case letters, digits, '-' and '.')";
  }

  /** A user's word as shown back: short, and without what would break the message's formatting. */
  private static String shown(String word) {
    String w = word.replaceAll("[`*_~<>&\\p{Cntrl}]", "");
    return w.length() > 60 ? w.substring(0, 60) + "…" : w;
  }
}
