package dev.takeover.daemon;

import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's HTTP server, asked with real requests: probes, the ticket API behind its token, errors as JSON,
 * and a ticket posted over HTTP that goes through Kafka and moves mysql-0 like a Kafka ticket.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonHttpApiTest {
  static final String TOKEN = "canary-api-token-5b1f";
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_ticket_posted_over_http_goes_through_kafka_and_moves_mysql_0() throws Exception {
    DaemonConfig config = DaemonUnderTest.config(dev.takeover.kafka.TestBroker.unique("h"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, TOKEN));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
      String base = "http://127.0.0.1:" + d.daemon.httpPort();
      assertEquals(200, get(base + "/healthz", null).statusCode());
      awaitReady(base);

      String ticket = """
          { "id": "CHG-7001", "action": "takeover", "node": "kube-node02", "requestedBy": "alice" }""";
      HttpResponse<String> noToken = post(base + "/api/v1/tickets", null, ticket);
      assertEquals(401, noToken.statusCode());
      assertEquals("unauthorized", new JsonObject(noToken.body()).getString("error"));
      assertFalse(noToken.body().contains(TOKEN));
      assertEquals(401, post(base + "/api/v1/tickets", "not-the-token", ticket).statusCode());

      HttpResponse<String> notJson = post(base + "/api/v1/tickets", TOKEN, "{ nope");
      assertEquals(400, notJson.statusCode());
      assertEquals("not-json", new JsonObject(notJson.body()).getString("error"));
      HttpResponse<String> unknown = post(base + "/api/v1/tickets", TOKEN,
          ticket.replace("kube-node02", "kube-node99").replace("CHG-7001", "CHG-7002"));
      assertEquals(400, unknown.statusCode());
      assertEquals("unknown-node", new JsonObject(unknown.body()).getString("error"));

      HttpResponse<String> taken = post(base + "/api/v1/tickets", TOKEN, ticket);
      assertEquals(202, taken.statusCode(), taken.body());
      assertEquals("CHG-7001", new JsonObject(taken.body()).getString("ticket"));

      List<CloudEvent> events = d.awaitEvent("CHG-7001", type("completed").or(type("failed")), Duration.ofSeconds(90));
      assertEquals("completed", types(events).get(types(events).size() - 1), types(events).toString());
      assertEquals("http", DaemonUnderTest.data(events.get(0)).getString("source"), "the accepted event says so");

      HttpResponse<String> status = get(base + "/api/v1/tickets/CHG-7001", TOKEN);
      assertEquals(200, status.statusCode(), status.body());
      JsonObject s = new JsonObject(status.body());
      assertEquals("done", s.getString("state"));
      assertEquals("completed", s.getString("outcome"));
      assertTrue(s.getJsonArray("history").size() >= 3, s.encodePrettily());

      HttpResponse<String> conflict = post(base + "/api/v1/tickets", TOKEN, ticket.replace("alice", "mallory"));
      assertEquals(409, conflict.statusCode(), conflict.body());
      assertEquals("duplicate-conflict", new JsonObject(conflict.body()).getString("error"));
      assertEquals(404, get(base + "/api/v1/tickets/CHG-0000", TOKEN).statusCode());

      HttpResponse<String> plan = get(base + "/api/v1/nodes/kube-node01/plan", TOKEN);
      assertEquals(200, plan.statusCode(), plan.body());
      assertTrue(new JsonObject(plan.body()).getString("summary").contains("to evict"), plan.body());
      assertEquals(404, get(base + "/api/v1/nodes/kube-node99/plan", TOKEN).statusCode());
      HttpResponse<String> badName = get(base + "/api/v1/nodes/Not_A_Node/plan", TOKEN);
      assertEquals(400, badName.statusCode(), badName.body());
      assertEquals("schema", new JsonObject(badName.body()).getString("error"));

      HttpResponse<String> big = post(base + "/api/v1/tickets", TOKEN, "x".repeat(70_000));
      assertEquals(413, big.statusCode());
      HttpResponse<String> nowhere = get(base + "/nowhere", null);
      assertEquals(404, nowhere.statusCode());
      assertEquals("not-found", new JsonObject(nowhere.body()).getString("error"));

      String metrics = get(base + "/metrics", null).body();
      assertTrue(metrics.contains("takeover_http_requests_total{method=\"POST\",route=\"/api/v1/tickets\",status=\"202\"} 1.0"),
          metrics.lines().filter(l -> l.startsWith("takeover_http")).toList().toString());
      assertTrue(metrics.contains("jvm_memory_used_bytes"));
    }
  }

  private void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> r = get(base + "/readyz", null);
    while (r.statusCode() != 200 && System.nanoTime() < deadline) {
      r = get(base + "/readyz", null);
    }
    assertEquals(200, r.statusCode(), r.body());
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
