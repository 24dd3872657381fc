package dev.takeover.alertmanager;

import dev.takeover.alertmanager.AlertTickets.Decision;
import dev.takeover.alertmanager.AlertTickets.Make;
import dev.takeover.alertmanager.AlertTickets.Skip;
import dev.takeover.daemon.TriggerConfig;
import dev.takeover.intake.TicketJson;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which alert of a webhook payload becomes which ticket, and which payloads are refused, without a broker. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AlertTicketsTest {
  final AlertTickets rules = new AlertTickets(TriggerConfig.Alertmanager.defaults());

  static String alert(String status, String labels, String fingerprint, String startsAt) {
    return """
        {"status":"%s","labels":{%s},"annotations":{"summary":"disk of %s failing, value 3"},"startsAt":"%s",
         "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"%s"}"""
        .formatted(status, labels, fingerprint, startsAt, fingerprint);
  }

  static String payload(String... alerts) {
    return """
        {"version":"4","groupKey":"{}:{alertname=\\"NodeMaintenanceRequired\\"}","truncatedAlerts":0,"status":"firing",
         "receiver":"takeover","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093","alerts":[%s]}""".formatted(String.join(",", alerts));
  }

  static List<Decision> decide(AlertTickets rules, String body) {
    return AlertPayload.parse(Buffer.buffer(body)).alerts().stream().map(rules::decide).toList();
  }

  static final String NODE02 = "\"alertname\":\"NodeMaintenanceRequired\",\"node\":\"kube-node02\"";

  @Test
  void a_firing_alert_with_a_node_label_becomes_a_takeover_of_that_node_with_a_ticket_the_intake_takes() {
    Make m = assertInstanceOf(Make.class, decide(rules, payload(alert("firing", NODE02, "1a30ba71cca2921f",
        "2026-03-01T10:00:00.123456789Z"))).get(0));
    assertEquals("kube-node02", m.node());
    assertTrue(m.id().matches("am-[0-9a-f]{16}"), m.id());
    assertEquals("takeover", m.ticket().getString("action"));
    assertEquals("alertmanager", m.ticket().getString("requestedBy"));
    TicketJson.Result r = new TicketJson(65536).parse(m.ticket().toBuffer().getBytes(), "kube-node02", "alertmanager",
        Instant.now());
    assertInstanceOf(TicketJson.Valid.class, r, r.toString());
  }

  @Test
  void a_repeat_of_one_firing_is_the_same_ticket_whatever_its_annotations_and_a_new_firing_is_another() {
    String first = alert("firing", NODE02, "1a30ba71cca2921f", "2026-03-01T10:00:00Z");
    String repeat = first.replace("value 3", "value 7").replace("2026-03-01T10:00:00Z", "2026-03-01T11:00:00+01:00");
    Make a = (Make) decide(rules, payload(first)).get(0);
    Make b = (Make) decide(rules, payload(repeat)).get(0);
    assertEquals(a.id(), b.id(), "the same instant written otherwise, annotations changed");
    assertEquals(a.ticket(), b.ticket());
    Make later = (Make) decide(rules, payload(first.replace("10:00:00Z", "12:00:00Z"))).get(0);
    assertNotEquals(a.id(), later.id(), "the alert fired again");
    Make other = (Make) decide(rules, payload(first.replace("1a30ba71cca2921f", "ffff0000ffff0000"))).get(0);
    assertNotEquals(a.id(), other.id(), "another alert");
  }

  @Test
  void instance_loses_its_port_and_the_first_label_of_node_labels_wins() {
    assertEquals("10.0.0.5", AlertTickets.withoutPort("10.0.0.5:9100"));
    assertEquals("kube-node02", AlertTickets.withoutPort("kube-node02:9100"));
    assertEquals("::1", AlertTickets.withoutPort("[::1]:9100"));
    assertEquals("kube-node02", AlertTickets.withoutPort("kube-node02"));
    assertEquals("fe80::1", AlertTickets.withoutPort("fe80::1"));
    Make viaInstance = (Make) decide(rules, payload(alert("firing",
        "\"alertname\":\"NodeMaintenanceRequired\",\"instance\":\"kube-node03:9100\"", "ab", "2026-03-01T10:00:00Z"))).get(0);
    assertEquals("kube-node03", viaInstance.node());
    Make both = (Make) decide(rules, payload(alert("firing",
        NODE02 + ",\"instance\":\"kube-node03:9100\"", "ab", "2026-03-01T10:00:00Z"))).get(0);
    assertEquals("kube-node02", both.node(), "node comes first in nodeLabels");
    AlertTickets instanceFirst = new AlertTickets(new TriggerConfig.Alertmanager(Set.of("NodeMaintenanceRequired"),
        List.of("instance", "node"), "drain"));
    Make drain = (Make) decide(instanceFirst, payload(alert("firing",
        NODE02 + ",\"instance\":\"kube-node03:9100\"", "ab", "2026-03-01T10:00:00Z"))).get(0);
    assertEquals("kube-node03", drain.node());
    assertEquals("drain", drain.ticket().getString("action"));
  }

  @Test
  void resolved_alerts_other_names_and_alerts_without_a_node_label_are_skipped_with_why() {
    List<Decision> d = decide(rules, payload(
        alert("resolved", NODE02, "aa", "2026-03-01T10:00:00Z"),
        alert("firing", "\"alertname\":\"HighLatency\",\"node\":\"kube-node02\"", "bb", "2026-03-01T10:00:00Z"),
        alert("firing", "\"alertname\":\"NodeMaintenanceRequired\",\"job\":\"node\"", "cc", "2026-03-01T10:00:00Z")));
    assertEquals(List.of("resolved", "other-alert", "no-node"), d.stream().map(x -> ((Skip) x).code()).toList());
    assertTrue(((Skip) d.get(1)).reason().contains("'HighLatency' is not one of alertmanager.alertNames"),
        ((Skip) d.get(1)).reason());
  }

  @Test
  void a_payload_whose_top_level_is_wrong_is_refused_with_the_path_of_the_field() {
    assertEquals("not-json", malformed("{ nope").code);
    assertEquals("not-json", malformed("").code);
    assertEquals("not-json", malformed("[1,2]").code);
    assertEquals("/alerts: is required (the list of alerts of the notification)",
        malformed("{\"version\":\"4\"}").getMessage());
    assertEquals("schema", malformed("{\"version\":\"4\"}").code);
    assertTrue(malformed("{\"alerts\":{}}").getMessage().startsWith("/alerts: must be an array"));
    assertTrue(malformed("{\"version\":\"5\",\"alerts\":[]}").getMessage().startsWith("/version:"));
  }

  @Test
  void an_alert_that_cannot_be_read_is_skipped_with_the_path_of_its_field_and_the_others_are_still_read() {
    String good = alert("firing", NODE02, "1a30ba71cca2921f", "2026-03-01T10:00:00Z");
    AlertPayload p = AlertPayload.parse(Buffer.buffer(payload(
        alert("burning", NODE02, "aa", "2026-03-01T10:00:00Z"),
        alert("firing", NODE02 + ",\"disk\":42", "bb", "2026-03-01T10:00:00Z"),
        good,
        alert("firing", NODE02, "cc", "yesterday"),
        alert("firing", NODE02, "", "2026-03-01T10:00:00Z"),
        "7")));
    assertEquals(6, p.items().size());
    assertEquals(List.of(2), p.alerts().stream().map(AlertPayload.Alert::index).toList(), "the good alert is read");
    assertEquals("kube-node02", ((Make) rules.decide(p.alerts().get(0))).node());
    List<AlertPayload.Unreadable> bad = p.items().stream().filter(AlertPayload.Unreadable.class::isInstance)
        .map(AlertPayload.Unreadable.class::cast).toList();
    assertEquals(List.of("/alerts/0/status", "/alerts/1/labels/disk", "/alerts/3/startsAt", "/alerts/4/fingerprint",
        "/alerts/5"), bad.stream().map(AlertPayload.Unreadable::path).toList());
    assertEquals("/alerts/0/status: must be \"firing\" or \"resolved\", not 'burning'", bad.get(0).reason());
    assertEquals("/alerts/1/labels/disk: must be a string, not a number", bad.get(1).reason());
    assertEquals("NodeMaintenanceRequired", bad.get(1).alertname());
    assertEquals("bb", bad.get(1).fingerprint());
    assertEquals("/alerts/3/startsAt: 'yesterday' is not an RFC 3339 date-time", bad.get(2).reason());
    assertEquals("/alerts/5: must be an object, not a number", bad.get(4).reason());
    assertNull(bad.get(4).alertname());
  }

  @Test
  void an_empty_alert_list_is_no_ticket_and_no_error() {
    assertTrue(AlertPayload.parse(Buffer.buffer(payload())).alerts().isEmpty());
    assertNull(AlertTickets.node(java.util.Map.of("job", "x"), List.of("node", "instance")));
  }

  private static AlertPayload.Malformed malformed(String body) {
    return assertThrows(AlertPayload.Malformed.class, () -> AlertPayload.parse(Buffer.buffer(body)));
  }
}
