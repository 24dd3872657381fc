package dev.takeover.intake;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The example ticket of the format, and records that must not become tickets: one row per way a producer (or an
 * attacker) gets it wrong, each with a sentence, the code it earns and what its reason must name.
 */
final class BadTicketRecords {
  /** When the records are read: the day before the example's window. */
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  static final String KEY = "kube-node02";

  static final String EXAMPLE = """
      { "id": "CHG-1042", "action": "takeover", "node": "kube-node02",
        "window": { "start": "2026-12-02T01:00:00Z", "end": "2026-12-02T03:00:00Z" },
        "requestedBy": "alice", "reason": "replace disk", "dryRun": false,
        "target": "CHG-1000",
        "options": { "drainTimeout": "PT10M", "confirmTimeout": "PT10M", "keepCordoned": false,
                     "deleteEmptyDirData": false, "force": false,
                     "allowLocalVolumes": false, "allowControlPlane": false } }
      """;

  private BadTicketRecords() {}

  static Stream<Arguments> all() {
    return Stream.of(
        // Not even JSON
        bad("a null value (a tombstone) is no ticket", null, "not-json", "no value"),
        bad("an empty value is no ticket", new byte[0], "not-json", "empty"),
        bad("white space only is no ticket", bytes(" \n\t "), "not-json", "white space"),
        bad("512 random bytes are not JSON", random(512), "not-json", "not "),
        bad("a malformed UTF-8 sequence is refused before parsing",
            concat(bytes("{\"id\":\"CHG-1\",\"action\":\"plan\",\"node\":\"n1\",\"reason\":\"caf"),
                new byte[] {(byte) 0xC3, (byte) 0x28}, bytes("\"}")), "not-json", "not UTF-8: a malformed byte sequence at byte offset 55"),
        bad("UTF-16 is not taken for UTF-8", EXAMPLE.getBytes(StandardCharsets.UTF_16LE), "not-json", "not JSON"),
        bad("2 MB is more than the 64 KiB limit", padded(2 * 1024 * 1024), "too-large",
            "the value is 2097152 bytes, more than the limit of 65536"),
        bad("a JSON array is not a ticket", bytes("[" + EXAMPLE + "]"), "not-json", "not a JSON object: the value is an array"),
        bad("a JSON string is not a ticket", bytes("\"CHG-1042\""), "not-json", "a string"),
        bad("a JSON number is not a ticket", bytes("1042"), "not-json", "a number"),
        bad("the JSON literal null is not a ticket", bytes("null"), "not-json", "the value is null"),
        bad("garbage after the object is refused", bytes(EXAMPLE + " x"), "not-json", "line 8"),
        bad("a second object after the first is refused", bytes(EXAMPLE + "{}"), "not-json", "something follows the object"),
        bad("an object cut short is refused", bytes("{\"id\":\"CHG-1\",\"action\":"), "not-json", "not JSON: unexpected end-of-input"),
        bad("a name without quotes is refused", bytes("{id:\"CHG-1\"}"), "not-json", "line 1 column 2"),
        bad("a field given twice is ambiguous", bytes("{\"id\":\"CHG-1\",\"id\":\"CHG-2\",\"action\":\"plan\",\"node\":\"n1\"}"),
            "not-json", "\"id\""),
        bad("an array nested 10,000 deep is not an object", bytes("[".repeat(10_000) + "]".repeat(10_000)), "not-json", "an array"),
        // Too expensive to read
        bad("an object nested 10,000 deep under the limit stops at level 32", deep(10_000), "too-deep", "deeper than 32 levels"),
        bad("33 levels are one too many", deep(32), "too-deep", "32"),
        bad("a 200-digit number is refused before it is parsed", withRaw("x-count", "1".repeat(200)), "too-large", "100 digits"),
        // Known fields of the wrong type
        bad("an id that is a number", with("id", 1042), "schema", "/id: must be a string, not a number"),
        bad("a node that is an array", with("node", java.util.List.of("kube-node02")), "schema", "/node: must be a string, not an array"),
        bad("dryRun written as \"yes\"", with("dryRun", "yes"), "schema", "/dryRun: must be a boolean, not a string"),
        bad("options that are a string", with("options", "force"), "schema", "/options: must be an object"),
        bad("options.force written as \"true\"", with("options.force", "true"), "schema", "/options/force: must be a boolean"),
        bad("a window start that is a number", with("window.start", 5), "schema", "/window/start: must be a string"),
        bad("a drain timeout in seconds as a number", with("options.drainTimeout", 600), "schema",
            "/options/drainTimeout: must be a string"),
        bad("an action that is a number", with("action", 1), "schema", "/action: must be a string"),
        // Missing or malformed fields
        bad("a ticket without an id", without("id"), "schema", "/id: is required"),
        bad("a ticket without a node", without("node"), "schema", "/node: is required"),
        bad("a ticket without an action", without("action"), "schema", "/action: is required"),
        bad("a required field given as null", with("node", null), "schema", "/node: must be a string, not null"),
        bad("an unknown action", with("action", "reboot"), "schema",
            "/action: must be one of takeover, drain, release, plan, cancel"),
        bad("an action in upper case", with("action", "TAKEOVER"), "schema", "/action: must be one of"),
        bad("an empty id", with("id", ""), "schema", "/id: must not be empty"),
        bad("an id with spaces", with("id", "CHG 1042"), "schema", "/id: 'CHG 1042' is not a ticket id"),
        bad("an id ending in a line break (a regular expression's $ would let it through)", with("id", "CHG-1042\n"),
            "schema", "/id: 'CHG-1042?' is not a ticket id"),
        bad("an id of 129 characters", with("id", "C".repeat(129)), "schema", "/id: must be at most 128 characters, not 129"),
        bad("a node name in upper case", with("node", "Kube-Node02"), "schema", "/node: 'Kube-Node02' is not a node name"),
        bad("a node name with an underscore", with("node", "kube_node02"), "schema", "/node: 'kube_node02' is not a node name"),
        bad("a node name of 254 characters", with("node", "n".repeat(254)), "schema", "/node: must be at most 253 characters"),
        bad("a requester name of 257 characters", with("requestedBy", "a".repeat(257)), "schema",
            "/requestedBy: must be at most 256 characters, not 257"),
        bad("a reason of 1025 characters", with("reason", "r".repeat(1025)), "schema", "/reason: must be at most 1024"),
        bad("a cancel without a target", without("target", "action", "cancel"), "schema", "/target: is required when action is cancel"),
        bad("a cancel whose target is null", with("target", null, "action", "cancel"), "schema", "/target: is required"),
        bad("a target that is no ticket id", with("target", "CHG 1000"), "schema", "/target: 'CHG 1000' is not a ticket id"),
        // What the schema cannot say
        bad("a window that ends before it starts", with("window.end", "2026-12-02T00:30:00Z"), "schema",
            "/window/end: must be after the start (2026-12-02T01:00:00Z), not 2026-12-02T00:30:00Z"),
        bad("a window that ends when it starts", with("window.end", "2026-12-02T01:00:00Z"), "schema", "/window/end"),
        bad("a date that is no date", with("window.start", "tomorrow 1am"), "schema",
            "/window/start: 'tomorrow 1am' is not an RFC 3339 date-time"),
        bad("a date without an offset", with("window.end", "2026-12-02T03:00:00"), "schema", "/window/end: '2026-12-02T03:00:00'"),
        bad("a negative drain timeout", with("options.drainTimeout", "-PT10M"), "schema",
            "/options/drainTimeout: must be positive, not '-PT10M'"),
        bad("a zero confirm timeout", with("options.confirmTimeout", "PT0S"), "schema", "/options/confirmTimeout: must be positive"),
        bad("a timeout in kubectl's short form", with("options.drainTimeout", "10m"), "schema",
            "/options/drainTimeout: '10m' is not an ISO-8601 duration"),
        // Well-formed, but not for this record or not any more
        row("a record keyed by another node", bytes(EXAMPLE), "kube-node03", "key-mismatch",
            "the record key 'kube-node03' is not the ticket's node 'kube-node02'"),
        bad("a window that ended an hour ago", windowEnding("2026-12-01T11:00:00Z"), "window-over",
            "the window ended at 2026-12-01T11:00:00Z, before the ticket was read at 2026-12-01T12:00:00Z"),
        bad("a window that ends the moment it is read", windowEnding("2026-12-01T12:00:00Z"), "window-over",
            "the window ended at 2026-12-01T12:00:00Z"));
  }

  private static Arguments bad(String sentence, byte[] value, String code, String named) {
    return row(sentence, value, KEY, code, named);
  }

  private static Arguments row(String sentence, byte[] value, String key, String code, String named) {
    return Arguments.of(sentence, value, key, code, named);
  }

  static JsonObject example() {
    return new JsonObject(EXAMPLE);
  }

  /** The example with fields set ("options.force", value, "action", "cancel", …); a null value is a JSON null. */
  static byte[] with(Object... fieldsAndValues) {
    JsonObject json = example();
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      String[] path = ((String) fieldsAndValues[i]).split("\\.");
      JsonObject parent = path.length == 1 ? json : json.getJsonObject(path[0]);
      parent.put(path[path.length - 1], fieldsAndValues[i + 1]);
    }
    return json.toBuffer().getBytes();
  }

  /** The example with an unknown field written as raw JSON text (a number JsonObject would not keep as written). */
  private static byte[] withRaw(String field, String json) {
    return bytes("{\"" + field + "\":" + json + "," + example().encode().substring(1));
  }

  private static byte[] without(String field, Object... alsoSet) {
    JsonObject json = new JsonObject(new String(with(alsoSet), StandardCharsets.UTF_8));
    json.remove(field);
    return json.toBuffer().getBytes();
  }

  private static byte[] windowEnding(String end) {
    return with("window", new JsonObject().put("start", "2026-12-01T10:00:00Z").put("end", end));
  }

  /** A valid ticket with an unknown field holding {@code levels} nested objects. */
  private static byte[] deep(int levels) {
    return bytes("{\"id\":\"CHG-1\",\"action\":\"plan\",\"node\":\"n1\",\"x\":"
        + "{\"a\":".repeat(levels) + "1" + "}".repeat(levels) + "}");
  }

  /** A valid ticket padded with an unknown field to exactly {@code size} bytes. */
  private static byte[] padded(int size) {
    String head = "{\"id\":\"CHG-1\",\"action\":\"plan\",\"node\":\"n1\",\"pad\":\"";
    return bytes(head + "x".repeat(size - head.length() - 2) + "\"}");
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(1042).nextBytes(b);
    return b;
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] resource(String name) {
    try (InputStream in = BadTicketRecords.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
