package dev.takeover.intake;

import dev.takeover.intake.TicketJson.Result;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.Ticket.Kind;
import dev.takeover.ticket.Ticket.Options;
import dev.takeover.ticket.Ticket.Window;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static dev.takeover.intake.BadTicketRecords.EXAMPLE;
import static dev.takeover.intake.BadTicketRecords.NOW;
import static dev.takeover.intake.BadTicketRecords.bytes;
import static dev.takeover.intake.BadTicketRecords.example;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TicketJsonTest {
  private static final TicketJson TICKETS = new TicketJson(65536);

  @Test
  void the_example_of_the_format_becomes_a_takeover_of_kube_node02() {
    Ticket t = valid(EXAMPLE.getBytes(StandardCharsets.UTF_8), "kube-node02", "kafka").ticket();

    assertEquals(new Ticket("CHG-1042", "kube-node02", Kind.TAKEOVER,
        new Options(false, false, false, false, false, false, Duration.ofMinutes(10), Duration.ofMinutes(10)),
        "kafka", "alice", "replace disk",
        new Window(Instant.parse("2026-12-02T01:00:00Z"), Instant.parse("2026-12-02T03:00:00Z")), "CHG-1000"), t);
  }

  @Test
  void a_ticket_with_only_id_action_and_node_gets_the_defaults() {
    Ticket t = valid(bytes("{\"id\":\"CHG-7\",\"action\":\"drain\",\"node\":\"n1\"}"), null, "kafka").ticket();

    assertEquals(new Ticket("CHG-7", "n1", Kind.DRAIN, Options.defaults(), "kafka", "", "", null, null), t);
  }

  @Test
  void unknown_fields_anywhere_are_ignored_and_null_means_absent() {
    JsonObject json = example().put("priority", 3).put("labels", List.of("a", "b")).put("requestedBy", null)
        .put("dryRun", null);
    json.getJsonObject("window").put("timezone", "Europe/Paris").put("start", null);
    json.getJsonObject("options").put("evictionRetries", 7).put("force", null);

    Ticket t = valid(json.toBuffer().getBytes(), "kube-node02", "kafka").ticket();

    assertEquals("", t.requester());
    assertEquals(new Window(null, Instant.parse("2026-12-02T03:00:00Z")), t.window());
    assertFalse(t.options().force());
  }

  @Test
  void a_byte_order_mark_before_the_object_is_tolerated() {
    byte[] value = BadTicketRecords.concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(EXAMPLE));

    assertEquals("CHG-1042", valid(value, "kube-node02", "kafka").ticket().id());
  }

  static Stream<Ticket> tickets() {
    Instant start = Instant.parse("2026-12-02T01:00:00Z");
    return Stream.of(
        new Ticket("CHG-1", "kube-node02", Kind.TAKEOVER,
            new Options(true, true, true, true, true, true, Duration.ofSeconds(90), Duration.ofMillis(1500)),
            "kafka", "alice", "Festplatte tauschen – Müller", new Window(start, start.plusSeconds(7200)), null),
        new Ticket("CHG-2", "rack1.node-7", Kind.CANCEL, Options.defaults(), "slack", "bob", "", null, "CHG-1"),
        new Ticket("CHG-3", "n3", Kind.RELEASE, Options.defaults(), "http", "", "", null, "CHG-1"),
        new Ticket("ops:2026/12/plan.1", "n4", Kind.PLAN, Options.defaults().withDrainTimeout(Duration.ofHours(1)),
            "cli", "", "", new Window(start, null), null),
        new Ticket("REC-1", "kube-node02", Kind.RECOVER, Options.defaults().withPoweredOff(true), "slack", "alice",
            "the node stopped", null, null));
  }

  @ParameterizedTest
  @MethodSource("tickets")
  void a_ticket_written_with_toJson_reads_back_equal(Ticket ticket) {
    byte[] stored = TicketJson.toJson(ticket).toBuffer().getBytes();

    assertEquals(ticket, valid(stored, ticket.node(), ticket.source()).ticket());
    assertEquals(ticket, valid(stored, ticket.node(), null).ticket(), "without a source, the stored one counts");
  }

  @Test
  void the_fingerprint_ignores_whitespace_key_order_unknown_fields_and_how_values_are_spelled() {
    String fingerprint = valid(EXAMPLE.getBytes(StandardCharsets.UTF_8), "kube-node02", "kafka").fingerprint();
    String reordered = "{\"options\":{\"force\":false,\"confirmTimeout\":\"PT600S\",\"drainTimeout\":\"PT10M\","
        + "\"unknown\":[1,2]},\n\n  \"target\":\"CHG-1000\",\"dryRun\":false,\"reason\":\"replace disk\","
        + "\"requestedBy\":\"alice\",\"window\":{\"end\":\"2026-12-02T04:00:00+01:00\",\"start\":\"2026-12-02T01:00Z\"},"
        + "\"node\":\"kube-node02\",\"action\":\"takeover\",\"id\":\"CHG-1042\",\"x-trace\":\"abc\"}";

    Result same = TICKETS.parse(bytes(reordered), "kube-node02", "slack", NOW);

    assertEquals(fingerprint, assertInstanceOf(TicketJson.Valid.class, same).fingerprint());
    assertEquals(64, fingerprint.length());
  }

  static Stream<Arguments> changes() {
    return Stream.of(
        Arguments.of("id", "CHG-1043"), Arguments.of("action", "drain"), Arguments.of("node", "kube-node03"),
        Arguments.of("window.start", "2026-12-02T01:00:01Z"), Arguments.of("window.end", "2026-12-02T03:30:00Z"),
        Arguments.of("target", "CHG-1001"), Arguments.of("requestedBy", "bob"), Arguments.of("reason", "replace fan"),
        Arguments.of("dryRun", true), Arguments.of("options.drainTimeout", "PT11M"),
        Arguments.of("options.confirmTimeout", "PT1H"), Arguments.of("options.keepCordoned", true),
        Arguments.of("options.deleteEmptyDirData", true), Arguments.of("options.force", true),
        Arguments.of("options.allowLocalVolumes", true), Arguments.of("options.allowControlPlane", true),
        Arguments.of("action", "recover"), Arguments.of("options.poweredOff", true));
  }

  @ParameterizedTest(name = "changing {0} changes the fingerprint")
  @MethodSource("changes")
  void any_change_of_a_known_field_changes_the_fingerprint(String field, Object value) {
    String before = valid(example().toBuffer().getBytes(), null, "kafka").fingerprint();

    String after = valid(BadTicketRecords.with(field, value), null, "kafka").fingerprint();

    assertNotEquals(before, after);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.takeover.intake.BadTicketRecords#all")
  void a_bad_record_is_rejected_with_its_code_and_a_reason_naming_what_is_wrong(String sentence, byte[] value,
      String key, String code, String named) {
    Rejection r = rejected(value, key);

    assertEquals(code, r.code(), r.reason());
    assertTrue(r.reason().contains(named), () -> "'" + r.reason() + "' should name " + named);
  }

  @Test
  void no_reason_shows_java_internals_or_spans_lines() {
    BadTicketRecords.all().forEach(args -> {
      Object[] a = args.get();
      String reason = rejected((byte[]) a[1], (String) a[2]).reason();
      for (String leak : List.of("Exception", "at dev.", "at tools.", "jackson", "\n", "\r", "`")) {
        assertFalse(reason.contains(leak), () -> a[0] + ": '" + reason + "' contains " + leak);
      }
      assertTrue(reason.length() < 300, () -> a[0] + ": a reason of " + reason.length() + " characters");
    });
  }

  @Test
  void several_schema_problems_are_reported_two_at_a_time() {
    byte[] value = bytes("{\"id\":5,\"action\":\"reboot\",\"node\":\"Node_1\",\"dryRun\":\"yes\"}");

    assertEquals("/id: must be a string, not a number; /action: must be one of takeover, drain, release, plan, "
        + "cancel, recover, not 'reboot'", rejected(value, null).reason());
  }

  @Test
  void a_fault_of_ours_is_an_answer_too_not_an_exception() {
    Result r = TICKETS.parse(EXAMPLE.getBytes(StandardCharsets.UTF_8), "kube-node02", "kafka", null);

    Rejection rejection = assertInstanceOf(TicketJson.Invalid.class, r).rejection();
    assertEquals("not-json", rejection.code());
    assertFalse(rejection.reason().contains("NullPointer"));
  }

  @Test
  void the_shipped_schema_describes_every_field() {
    JsonObject schema = new JsonObject(new String(
        BadTicketRecords.resource(TicketSchema.RESOURCE), StandardCharsets.UTF_8));
    JsonObject properties = schema.getJsonObject("properties");

    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.getString("$schema"));
    for (String field : example().fieldNames()) {
      assertTrue(properties.containsKey(field), field);
      assertTrue(properties.getJsonObject(field).containsKey("description"), field);
    }
    properties.getJsonObject("options").getJsonObject("properties").forEach(option ->
        assertTrue(((JsonObject) option.getValue()).containsKey("description"), option.getKey()));
    assertNull(schema.getValue("additionalProperties"), "unknown fields are allowed");
  }

  private static TicketJson.Valid valid(byte[] value, String key, String source) {
    Result r = TICKETS.parse(value, key, source, NOW);
    if (r instanceof TicketJson.Invalid invalid) {
      throw new AssertionError("rejected: " + invalid.rejection());
    }
    return (TicketJson.Valid) r;
  }

  private static Rejection rejected(byte[] value, String key) {
    Result r = TICKETS.parse(value, key, "kafka", NOW);
    return assertInstanceOf(TicketJson.Invalid.class, r, () -> "accepted: " + r).rejection();
  }
}
