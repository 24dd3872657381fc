package dev.takeover.intake;

import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.TicketRejected;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A ticket record's value (Kafka topic {@code takeover.tickets}, key = node name) to a {@link Ticket}, or to a
 * {@link Rejection} with a stable code and one line for the requester. The format is published as
 * {@code takeover/ticket.schema.json} in the jar; unknown fields are ignored, known fields of the wrong type are not.
 * <pre>
 * { "id": "CHG-1042", "action": "takeover", "node": "kube-node02",
 *   "window": { "start": "2026-12-02T01:00:00Z", "end": "2026-12-02T03:00:00Z" },
 *   "requestedBy": "alice", "reason": "replace disk", "dryRun": false, "target": "CHG-1000",
 *   "options": { "drainTimeout": "PT10M", "confirmTimeout": "PT10M", "keepCordoned": false,
 *                "deleteEmptyDirData": false, "force": false, "allowLocalVolumes": false, "allowControlPlane": false,
 *                "poweredOff": false } }
 * </pre>
 * Build one and share it: the schema is compiled in the constructor, and {@link #parse} is thread-safe.
 */
public final class TicketJson {
  private static final Logger LOG = LoggerFactory.getLogger(TicketJson.class);

  /** What a record value became. */
  public sealed interface Result permits Valid, Invalid {}

  /** @param fingerprint {@link #fingerprint(Ticket)}: equal for the same ticket however its JSON was written */
  public record Valid(Ticket ticket, String fingerprint) implements Result {}

  public record Invalid(Rejection rejection) implements Result {}

  private final StrictJson reader;
  private final TicketSchema schema = new TicketSchema();

  /** @param maxBytes the largest value taken ({@code tickets.maxBytes}); larger ones are {@code too-large} */
  public TicketJson(int maxBytes) {
    this.reader = new StrictJson(maxBytes);
  }

  /**
   * The checks run in the order of their codes, and the first failing one answers: not-json, too-large, too-deep,
   * schema, key-mismatch, window-over. Never throws: even a fault of ours becomes a rejection, logged here.
   *
   * @param value  the record value
   * @param key    the record key, which must be the ticket's node; null: no key to compare
   * @param source becomes {@link Ticket#source()} ("kafka"); null: the record's own "source" field, which is how
   *               the daemon reads back the tickets it stored with {@link #toJson}
   * @param now    when the record was read: a window that ended by then is {@code window-over}
   */
  public Result parse(byte[] value, String key, String source, Instant now) {
    try {
      ObjectNode json = reader.read(value);
      refuseIf(schema.problems(json));
      Ticket ticket = ticket(json, source);
      sameNode(ticket, key);
      windowOpen(ticket, now);
      return new Valid(ticket, fingerprint(ticket));
    } catch (Refused r) {
      return new Invalid(r.rejection());
    } catch (RuntimeException e) {
      LOG.warn("A ticket record from {} (key {}) could not be read", source, key, e);
      return new Invalid(new Rejection("not-json", "the ticket could not be read: an unexpected error in Takeover (see its log)"));
    }
  }

  /** What the schema cannot say: dates and durations that parse, and the rules between fields. */
  private static Ticket ticket(ObjectNode json, String source) {
    List<String> problems = new ArrayList<>();
    Ticket.Kind kind = Ticket.Kind.valueOf(json.get("action").asString().toUpperCase(Locale.ROOT));
    String target = text(json, "target");
    if (kind == Ticket.Kind.CANCEL && target == null) {
      problems.add("/target: is required when action is cancel (the id of the ticket to cancel)");
    }
    Ticket.Window window = window(json.path("window"), problems);
    JsonNode o = json.path("options");
    Ticket.Options options = new Ticket.Options(flag(json, "dryRun"), flag(o, "keepCordoned"),
        flag(o, "deleteEmptyDirData"), flag(o, "force"), flag(o, "allowLocalVolumes"), flag(o, "allowControlPlane"),
        duration(o, "drainTimeout", problems), duration(o, "confirmTimeout", problems), flag(o, "poweredOff"));
    refuseIf(problems);
    String from = source != null && !source.isBlank() ? source : text(json, "source");
    try {
      return new Ticket(text(json, "id"), text(json, "node"), kind, options, from, text(json, "requestedBy"),
          text(json, "reason"), window, target);
    } catch (TicketRejected e) {
      // The schema says all this first; kept so that the two can never drift into a thrown exception.
      throw new Refused("schema", e.getMessage());
    }
  }

  /** Both bounds are optional; a window with neither is no window at all. */
  private static Ticket.Window window(JsonNode w, List<String> problems) {
    Instant start = instant(w, "start", problems);
    Instant end = instant(w, "end", problems);
    if (start != null && end != null && !end.isAfter(start)) {
      problems.add("/window/end: must be after the start (" + start + "), not " + end);
    }
    return start == null && end == null ? null : new Ticket.Window(start, end);
  }

  private static Instant instant(JsonNode w, String field, List<String> problems) {
    String text = text(w, field);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      problems.add("/window/" + field + ": " + Refused.quote(text)
          + " is not an RFC 3339 date-time with an offset, such as 2026-12-02T01:00:00Z");
      return null;
    }
  }

  private static Duration duration(JsonNode options, String field, List<String> problems) {
    String text = text(options, field);
    if (text == null) {
      return null;
    }
    try {
      Duration d = Duration.parse(text);
      if (d.isNegative() || d.isZero()) {
        problems.add("/options/" + field + ": must be positive, not " + Refused.quote(text));
        return null;
      }
      return d;
    } catch (DateTimeParseException | ArithmeticException e) {
      problems.add("/options/" + field + ": " + Refused.quote(text) + " is not an ISO-8601 duration such as PT10M");
      return null;
    }
  }

  /** The key routes and compacts the record: a ticket for another node under this key would hide that node's. */
  private static void sameNode(Ticket ticket, String key) {
    if (key != null && !key.equals(ticket.node())) {
      throw new Refused("key-mismatch", "the record key " + Refused.quote(key) + " is not the ticket's node "
          + Refused.quote(ticket.node()) + ": the key must be the node name");
    }
  }

  private static void windowOpen(Ticket ticket, Instant now) {
    if (ticket.window() != null && ticket.window().over(now)) {
      throw new Refused("window-over", "the window ended at " + ticket.window().end()
          + ", before the ticket was read at " + now);
    }
  }

  private static void refuseIf(List<String> problems) {
    if (!problems.isEmpty()) {
      throw new Refused("schema", problems.stream().limit(2).collect(Collectors.joining("; ")));
    }
  }

  // After the schema, a known field is of its type, null or absent: null and absent read the same.
  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isString() ? v.asString() : null;
  }

  private static boolean flag(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isBoolean() && v.booleanValue();
  }

  /**
   * A ticket in the input format, with every known field written out (requestedBy and reason as "" when empty,
   * booleans as false) and in a fixed order, plus its {@code source}; durations and the window bounds only when set.
   * The daemon stores tickets with this, and {@link #parse} reads it back to an equal ticket (a window with neither
   * bound reads back as no window, which means the same).
   */
  public static JsonObject toJson(Ticket t) {
    JsonObject json = new JsonObject().put("id", t.id()).put("action", t.kind().label()).put("node", t.node());
    if (t.window() != null) {
      JsonObject window = new JsonObject();
      if (t.window().start() != null) {
        window.put("start", t.window().start().toString());
      }
      if (t.window().end() != null) {
        window.put("end", t.window().end().toString());
      }
      json.put("window", window);
    }
    if (t.target() != null) {
      json.put("target", t.target());
    }
    Ticket.Options o = t.options();
    json.put("requestedBy", t.requester()).put("reason", t.reason()).put("dryRun", o.dryRun());
    JsonObject options = new JsonObject();
    if (o.drainTimeout() != null) {
      options.put("drainTimeout", o.drainTimeout().toString());
    }
    if (o.confirmTimeout() != null) {
      options.put("confirmTimeout", o.confirmTimeout().toString());
    }
    options.put("keepCordoned", o.keepCordoned()).put("deleteEmptyDirData", o.deleteEmptyDirData())
        .put("force", o.force()).put("allowLocalVolumes", o.allowLocalVolumes())
        .put("allowControlPlane", o.allowControlPlane());
    if (o.poweredOff()) {
      // Only when set: the fingerprints of the tickets stored before this option existed stay the same.
      options.put("poweredOff", true);
    }
    return json.put("options", options).put("source", t.source());
  }

  /**
   * SHA-256 (hex) of the ticket's canonical JSON: {@link #toJson} without {@code source}, so the same request has
   * the same fingerprint whatever its whitespace, key order, unknown fields or the way it arrived, and any change
   * of a known field changes it.
   */
  public static String fingerprint(Ticket t) {
    JsonObject canonical = toJson(t);
    canonical.remove("source");
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(canonical.encode().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
