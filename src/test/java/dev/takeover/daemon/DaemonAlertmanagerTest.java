package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alertmanager's webhook on the running daemon, with real requests, the real broker and the simulated cluster: what
 * each payload makes (tickets on Kafka, runs) or does not make, across a restart too.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonAlertmanagerTest {
  static final String TOKEN = "canary-alertmanager-token-91c3";
  static final Duration BOUND = Duration.ofSeconds(90);
  final HttpClient http = HttpClient.newHttpClient();

  /** One alert as Alertmanager sends it; {@code labels} without braces. */
  static String alert(String status, String labels, String fingerprint, String startsAt, String summary) {
    return """
        {"status":"%s","labels":{%s},"annotations":{"summary":"%s"},"startsAt":"%s",
         "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=x","fingerprint":"%s"}"""
        .formatted(status, labels, summary, startsAt, fingerprint);
  }

  static String payload(String... alerts) {
    return """
        {"receiver":"takeover","status":"firing","alerts":[%s],"groupLabels":{"alertname":"NodeMaintenanceRequired"},
         "commonLabels":{"alertname":"NodeMaintenanceRequired"},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093","version":"4",
         "groupKey":"{}:{alertname=\\"NodeMaintenanceRequired\\"}","truncatedAlerts":0}"""
        .formatted(String.join(",", alerts));
  }

  static final String NMR = "\"alertname\":\"NodeMaintenanceRequired\"";

  @Test
  void firing_repeated_resolved_grouped_and_malformed_payloads_make_the_right_tickets_even_across_a_restart() throws Exception {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("am"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, TOKEN))
        .withAlertmanager(TriggerConfig.Alertmanager.defaults());
    String firing = alert("firing", NMR + ",\"instance\":\"kube-node02:9100\",\"job\":\"node\"", "5e0a3b7c9d1f2e4a",
        "2026-03-01T10:00:00.123456789Z", "disk sda of kube-node02 reports 3 reallocated sectors");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      String uid = SeedScene.mysql(cluster).getMetadata().getUid();
      String first;
      String grouped1;
      String grouped2;
      DaemonUnderTest d = new DaemonUnderTest(cluster, config);
      try {
        String url = "http://127.0.0.1:" + d.daemon.httpPort() + "/alertmanager";
        awaitReady("http://127.0.0.1:" + d.daemon.httpPort());

        HttpResponse<String> noToken = post(url, null, payload(firing));
        assertEquals(401, noToken.statusCode());
        assertEquals(401, post(url, "not-the-token", payload(firing)).statusCode());
        assertFalse(noToken.body().contains(TOKEN));

        // Malformed at the top: refused before anything is made, with the field's path.
        assertError(post(url, TOKEN, "{ \"alerts\": [ nope"), 400, "not-json", "");
        assertError(post(url, TOKEN, "{\"version\":\"4\",\"status\":\"firing\"}"), 400, "schema", "/alerts: is required");
        assertError(post(url, TOKEN, "{\"version\":\"4\",\"alerts\":\"NodeMaintenanceRequired\"}"), 400, "schema",
            "/alerts: must be an array");
        // An alert that cannot be read: skipped with its field's path (a 4xx would never be sent again).
        JsonObject unreadable = ok(post(url, TOKEN, payload(firing.replace("\"job\":\"node\"", "\"job\":9100"),
            firing.replace("\"firing\"", "true"))));
        assertEquals(0, unreadable.getJsonArray("tickets").size(), unreadable.encode());
        assertEquals(List.of("schema", "schema"), codes(unreadable));
        assertEquals("/alerts/0/labels/job", unreadable.getJsonArray("skipped").getJsonObject(0).getString("path"));
        assertTrue(unreadable.getJsonArray("skipped").getJsonObject(1).getString("reason")
            .startsWith("/alerts/1/status: must be \"firing\" or \"resolved\""), unreadable.encode());

        // Firing: a takeover of kube-node02 (instance without its port) that moves mysql-0.
        JsonObject made = ok(post(url, TOKEN, payload(firing)));
        assertEquals(1, made.getJsonArray("tickets").size(), made.encode());
        JsonObject ticket = made.getJsonArray("tickets").getJsonObject(0);
        first = ticket.getString("ticket");
        assertEquals("kube-node02", ticket.getString("node"));
        assertEquals("takeover", ticket.getString("action"));
        assertFalse(ticket.getBoolean("duplicate"));
        List<CloudEvent> events = d.awaitEvent(first, type("completed").or(type("failed")), BOUND);
        assertEquals("completed", types(events).get(types(events).size() - 1), types(events).toString());
        assertEquals("alertmanager", data(events.get(0)).getString("source"));
        assertEquals("alertmanager", data(events.get(0)).getString("requestedBy"));
        assertNotEquals(uid, SeedScene.mysql(cluster).getMetadata().getUid(), "mysql-0 was evicted and recreated");
        assertEquals("kube-node01", SeedScene.mysqlNode(cluster));

        // Repeated (Alertmanager's repeat_interval; the summary is templated and changed): the same ticket.
        JsonObject again = ok(post(url, TOKEN, payload(firing.replace("3 reallocated", "5 reallocated"))));
        assertEquals(first, again.getJsonArray("tickets").getJsonObject(0).getString("ticket"));
        assertTrue(again.getJsonArray("tickets").getJsonObject(0).getBoolean("duplicate"));
        d.awaitEvent(first, type("duplicate"), BOUND);

        // Resolved: nothing.
        JsonObject resolved = ok(post(url, TOKEN, payload(firing.replace("\"status\":\"firing\"", "\"status\":\"resolved\""))));
        assertEquals(0, resolved.getJsonArray("tickets").size());
        assertEquals("resolved", resolved.getJsonArray("skipped").getJsonObject(0).getString("code"));

        // Grouped: two alerts of the name, two tickets; the others skipped, each with why.
        JsonObject group = ok(post(url, TOKEN, payload(
            alert("firing", NMR + ",\"node\":\"kube-node02\",\"disk\":\"sdb\"", "0b1c2d3e4f5a6b7c", "2026-03-01T11:00:00Z", "sdb"),
            alert("firing", NMR + ",\"node\":\"kube-node02\",\"disk\":\"sdc\"", "1c2d3e4f5a6b7c8d", "2026-03-01T11:00:30Z", "sdc"),
            alert("firing", "\"alertname\":\"HighLatency\",\"node\":\"kube-node01\"", "2d3e4f5a6b7c8d9e", "2026-03-01T11:00:00Z", "p99"),
            alert("firing", NMR + ",\"instance\":\"10.0.0.5:9100\"", "3e4f5a6b7c8d9e0f", "2026-03-01T11:00:00Z", "ip"),
            alert("firing", NMR + ",\"instance\":\"kube-master:9100\"", "4f5a6b7c8d9e0f1a", "2026-03-01T11:00:00Z", "cp"),
            alert("firing", NMR + ",\"node\":\"kube-node02\"", "5a6b7c8d9e0f1a2b", "an hour ago", "bad date"))));
        JsonArray tickets = group.getJsonArray("tickets");
        assertEquals(2, tickets.size(), group.encode());
        grouped1 = tickets.getJsonObject(0).getString("ticket");
        grouped2 = tickets.getJsonObject(1).getString("ticket");
        assertNotEquals(grouped1, grouped2);
        assertEquals(List.of("other-alert", "unknown-node", "control-plane", "schema"), codes(group), group.encode());
        assertEquals("/alerts/5/startsAt", group.getJsonArray("skipped").getJsonObject(3).getString("path"));
        d.awaitEvent(grouped1, type("completed").or(type("failed")), BOUND);
        d.awaitEvent(grouped2, type("completed").or(type("failed")), BOUND);
        d.stopDaemon();
      } finally {
        d.close();
      }

      // Restarted with the same settings and topics: the first alert once more is still a duplicate.
      Instant restarted = Instant.now();
      try (DaemonUnderTest second = new DaemonUnderTest(cluster, config)) {
        String url = "http://127.0.0.1:" + second.daemon.httpPort() + "/alertmanager";
        awaitReady("http://127.0.0.1:" + second.daemon.httpPort());
        JsonObject again = ok(post(url, TOKEN, payload(firing)));
        assertEquals(first, again.getJsonArray("tickets").getJsonObject(0).getString("ticket"));
        List<CloudEvent> events = second.awaitEvent(first,
            type("duplicate").and(e -> e.getTime().toInstant().isAfter(restarted)), BOUND);
        List<String> types = types(events);
        assertEquals(1, types.stream().filter("accepted"::equals).count(), types.toString());
        assertEquals(1, types.stream().filter("started"::equals).count(), "one run: " + types);
        assertEquals(2, types.stream().filter("duplicate"::equals).count(), types.toString());
        second.awaitEvent(grouped2, type("completed").or(type("failed")), BOUND);
        Set<String> fromAlerts = new TreeSet<>(second.ticketsSeen().stream().filter(id -> id.startsWith("am-")).toList());
        assertEquals(new TreeSet<>(List.of(first, grouped1, grouped2)), fromAlerts, "no other ticket was made");
      }
    }
  }

  @Test
  void without_an_api_token_the_webhook_is_off() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast());
         DaemonUnderTest d = new DaemonUnderTest(cluster, DaemonUnderTest.config(TestBroker.unique("am-off"), 1))) {
      HttpResponse<String> off = post("http://127.0.0.1:" + d.daemon.httpPort() + "/alertmanager", "anything",
          payload(alert("firing", NMR + ",\"node\":\"kube-node02\"", "aa", "2026-03-01T10:00:00Z", "x")));
      assertError(off, 503, "alertmanager-off", "the Alertmanager webhook is off");
    }
  }

  static void assertError(HttpResponse<String> r, int status, String code, String messageStart) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals(code, body.getString("error"), r.body());
    assertTrue(body.getString("message").startsWith(messageStart), r.body());
  }

  static List<String> codes(JsonObject answer) {
    return answer.getJsonArray("skipped").stream().map(o -> ((JsonObject) o).getString("code")).toList();
  }

  static JsonObject ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> r = get(base + "/readyz");
    while (r.statusCode() != 200 && System.nanoTime() < deadline) {
      r = get(base + "/readyz");
    }
    assertEquals(200, r.statusCode(), r.body());
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String url, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
