package dev.takeover.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.slack.SignedCommand;
import dev.takeover.slack.SlackSignature;
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.takeover.daemon.DaemonUnderTest.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /takeover recover <node>} from Slack against the running daemon: the command only offers a button whose
 * dialog asks whether the node is powered off; the signed click on it is what puts a recover ticket on Kafka. A
 * local HTTP server plays the clicks' response_urls. What the recovery then does is the engine's, not tested here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonSlackRecoverTest {
  static final String SECRET = "canary-signing-secret-0b7e2";
  static final String CLICK_1 = "/actions/T0001/5551/canary-click-one-4f1a";
  static final String CLICK_2 = "/actions/T0001/5552/canary-click-two-9d3c";
  static final Pattern PLAN_TICKET = Pattern.compile("slack-[0-9a-f]{10}");
  static final Pattern RECOVER_TICKET = Pattern.compile("slack-recover-[0-9a-f]{12}");
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void recover_offers_a_powered_off_button_and_only_its_click_puts_one_recover_ticket_on_kafka() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint slack = new SlackEndpoint();
         Logs logs = new Logs(); DaemonUnderTest d = new DaemonUnderTest(cluster, config("rc"))) {
      String base = awaitReady(d);
      assertTrue(command(base, "help").getString("text").contains("/takeover recover &lt;node&gt;"));
      JsonObject unknown = command(base, "recover kube-node99");
      assertTrue(unknown.getString("text").contains("No node kube-node99 is known"), unknown.encode());
      assertFalse(unknown.encode().contains("takeover_recover_confirm"), "no button for a node the cluster lacks");

      // The command answers within Slack's 3 s with what a recovery does and the button; it makes no ticket.
      long sent = System.nanoTime();
      JsonObject offer = command(base, "recover kube-node02");
      assertTrue(Duration.ofNanos(System.nanoTime() - sent).toMillis() < 3000);
      JsonArray blocks = offer.getJsonArray("blocks");
      String section = blocks.getJsonObject(0).getJsonObject("text").getString("text");
      assertTrue(section.contains("`kube-node02`") && section.contains("Ready") && section.contains("only if the node "
          + "is powered off") && section.contains("ReadWriteOnce"), section);
      assertEquals("actions", blocks.getJsonObject(1).getString("type"));
      JsonObject button = blocks.getJsonObject(1).getJsonArray("elements").getJsonObject(0);
      assertEquals("takeover_recover_confirm", button.getString("action_id"));
      assertEquals("kube-node02", button.getString("value"));
      assertEquals("danger", button.getString("style"));
      JsonObject dialog = button.getJsonObject("confirm");
      assertEquals("Is kube-node02 powered off?", dialog.getJsonObject("title").getString("text"));
      assertEquals("It is powered off: recover", dialog.getJsonObject("confirm").getString("text"));
      assertEquals("Cancel", dialog.getJsonObject("deny").getString("text"));
      String marker = planMarker(base);
      assertEquals(List.of(), recoverTickets(tickets(d, marker)), "the command alone makes no ticket");

      // alice confirms in the dialog; her client sends the click twice (a double click): two requests, one ticket.
      String messageTs = "1767225600.000100";
      long first = System.nanoTime();
      HttpResponse<String> click1 = http.send(click(base, SECRET, payload("U123", "C456", button, messageTs,
          "1767225610.000200", slack.url(CLICK_1))), HttpResponse.BodyHandlers.ofString());
      assertTrue(Duration.ofNanos(System.nanoTime() - first).toMillis() < 3000);
      HttpResponse<String> click2 = http.send(click(base, SECRET, payload("U123", "C456", button, messageTs,
          "1767225610.000900", slack.url(CLICK_2))), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, click1.statusCode(), click1.body());
      assertEquals(200, click2.statusCode(), click2.body());

      // Each click's response_url replaces the message with the button: who confirmed, and the one ticket's id.
      String ticket = null;
      for (String path : List.of(CLICK_1, CLICK_2)) {
        JsonObject told = slack.await(path, r -> !r.isEmpty(), Duration.ofSeconds(30)).get(0).body();
        assertEquals(Boolean.TRUE, told.getBoolean("replace_original"), told.encode());
        assertFalse(told.encode().contains("takeover_recover_confirm"), "the button is gone");
        Matcher id = RECOVER_TICKET.matcher(told.getString("text"));
        assertTrue(told.getString("text").contains("@alice confirmed that kube-node02 is powered off")
            && id.find(), told.encode());
        ticket = ticket == null ? id.group() : ticket;
        assertEquals(ticket, id.group(), "both clicks name the same ticket");
      }
      final String recover = ticket;

      // On the tickets topic: the same ticket twice, byte for byte, from Slack; the intake accepts it once.
      List<ConsumerRecord<String, byte[]>> records = recoverTickets(tickets(d, r -> recoverTickets(r).size() >= 2));
      assertEquals(2, records.size());
      assertEquals(new String(records.get(0).value(), StandardCharsets.UTF_8),
          new String(records.get(1).value(), StandardCharsets.UTF_8));
      JsonObject t = new JsonObject(new String(records.get(0).value(), StandardCharsets.UTF_8));
      assertEquals(recover, t.getString("id"));
      assertEquals("kube-node02", records.get(0).key());
      assertEquals("slack", DaemonUnderTest.header(records.get(0), "takeover.source"));
      assertEquals("slack:U123", t.getString("requestedBy"));
      assertEquals(Boolean.TRUE, t.getJsonObject("options").getBoolean("poweredOff"));
      assertTrue(t.getString("reason").contains("by @alice in #ops"), t.getString("reason"));
      List<CloudEvent> events = d.awaitEvent(recover, type("duplicate"), Duration.ofSeconds(30));
      assertEquals(1, events.stream().filter(type("accepted")).count(), DaemonUnderTest.types(events).toString());
      JsonObject accepted = DaemonUnderTest.data(events.stream().filter(type("accepted")).findFirst().orElseThrow());
      assertEquals("recover", accepted.getString("action"), accepted.encode());

      logs.assertClean(SECRET, "canary-click-one-4f1a", "canary-click-two-9d3c");
    }
  }

  @Test
  void unsigned_forged_unallowed_and_unreadable_clicks_make_no_ticket() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint slack = new SlackEndpoint();
         Logs logs = new Logs(); DaemonUnderTest d = new DaemonUnderTest(cluster, config("rr"))) {
      String base = awaitReady(d);
      JsonObject button = command(base, "recover kube-node02").getJsonArray("blocks").getJsonObject(1)
          .getJsonArray("elements").getJsonObject(0);
      String url = slack.url(CLICK_1);
      long now = Instant.now().getEpochSecond();
      String good = form(payload("U123", "C456", button, "1767225600.000100", "1767225610.000200", url));

      Map<String, HttpRequest> refused = new LinkedHashMap<>();
      refused.put("unsigned", builder(base, good).build());
      refused.put("forged", signed(base, "not-the-secret", now, good));
      refused.put("stale", signed(base, SECRET, now - 301, good));
      refused.put("changed after signing", builder(base, good.replace("U123", "U124"))
          .header(SlackSignature.TIMESTAMP, String.valueOf(now))
          .header(SlackSignature.SIGNATURE, SlackSignature.sign(SECRET, String.valueOf(now),
              good.getBytes(StandardCharsets.UTF_8))).build());
      refused.put("user not allowed", click(base, SECRET, payload("U999", "C456", button, "1", "2", url)));
      refused.put("channel not allowed", click(base, SECRET, payload("U123", "C999", button, "1", "2", url)));
      for (Map.Entry<String, HttpRequest> r : refused.entrySet()) {
        HttpResponse<String> res = http.send(r.getValue(), HttpResponse.BodyHandlers.ofString());
        int expected = r.getKey().endsWith("not allowed") ? 403 : 401;
        assertEquals(expected, res.statusCode(), r.getKey() + ": " + res.body());
        assertEquals(expected == 403 ? "forbidden" : "unauthorized", new JsonObject(res.body()).getString("error"));
      }

      // Signed but not a click this daemon acts on: 200 (Slack shows errors badly), nothing done, a line in the log.
      JsonObject otherAction = payload("U123", "C456", button, "1", "2", url);
      otherAction.getJsonArray("actions").getJsonObject(0).put("action_id", "approve_everything");
      JsonObject badNode = payload("U123", "C456", button.copy().put("value", "Kube_Node02"), "1", "2", url);
      Map<String, String> ignored = new LinkedHashMap<>();
      ignored.put("not JSON", "payload=" + enc("{\"type\": \"block_actions\", "));
      ignored.put("no payload field", "token=x&team_id=T0001");
      ignored.put("a JSON array", "payload=" + enc("[1, 2, 3]"));
      ignored.put("no user", form(new JsonObject().put("type", "block_actions").put("actions", new JsonArray())));
      ignored.put("another action", form(otherAction));
      ignored.put("not a node name", form(badNode));
      ignored.put("a modal's submission", form(payload("U123", "C456", button, "1", "2", url)
          .put("type", "view_submission")));
      for (Map.Entry<String, String> body : ignored.entrySet()) {
        HttpResponse<String> res = http.send(signed(base, SECRET, now, body.getValue()),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), body.getKey() + ": " + res.body());
        assertEquals("", res.body(), body.getKey());
      }

      String marker = planMarker(base);
      assertEquals(List.of(), recoverTickets(tickets(d, marker)));
      assertEquals(List.of(), slack.to(CLICK_1), "nothing was said to a click that did nothing");
      assertTrue(logs.count(l -> l.contains("SlackInteractions") && l.contains("ignored")) >= ignored.size(),
          logs.lines.toString());
      logs.assertClean(SECRET, "canary-click-one-4f1a");
    }
  }

  @Test
  void without_a_signing_secret_clicks_get_503() throws Exception {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("ro"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
      HttpResponse<String> off = http.send(signed("http://127.0.0.1:" + d.daemon.httpPort(), SECRET,
          Instant.now().getEpochSecond(), "payload=%7B%7D"), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, off.statusCode());
      assertEquals("slack-off", new JsonObject(off.body()).getString("error"));
    }
  }

  private static DaemonConfig config(String prefix) {
    return DaemonUnderTest.config(TestBroker.unique(prefix), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""))
        .withSlack(new TriggerConfig.Slack(SECRET, Set.of("U123"), Set.of("C456"), ""));
  }

  /**
   * The block_actions payload Slack posts when {@code user} clicks {@code button} on the ephemeral message
   * {@code messageTs} in {@code channel}, as in Slack's reference (type, user, team, channel, container, actions with
   * the element's action_id, value and the click's action_ts, response_url, trigger_id).
   */
  static JsonObject payload(String user, String channel, JsonObject button, String messageTs, String actionTs,
                            String responseUrl) {
    return new JsonObject().put("type", "block_actions")
        .put("user", new JsonObject().put("id", user).put("username", "alice").put("name", "alice")
            .put("team_id", "T0001"))
        .put("api_app_id", "A123456").put("token", "gIkuvaNzQIHg97ATvDxqgjtO")
        .put("container", new JsonObject().put("type", "message").put("message_ts", messageTs)
            .put("channel_id", channel).put("is_ephemeral", true))
        .put("trigger_id", "13345224609.738474920.8088930838d88f008e0")
        .put("team", new JsonObject().put("id", "T0001").put("domain", "example"))
        .put("channel", new JsonObject().put("id", channel).put("name", "ops"))
        .put("is_enterprise_install", false)
        .put("response_url", responseUrl)
        .put("actions", new JsonArray().add(new JsonObject().put("type", "button")
            .put("action_id", button.getString("action_id")).put("block_id", "Hx3Q")
            .put("text", button.getJsonObject("text")).put("value", button.getString("value"))
            .put("style", button.getString("style")).put("action_ts", actionTs)));
  }

  static String form(JsonObject payload) {
    return "payload=" + enc(payload.encode());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static HttpRequest click(String base, String secret, JsonObject payload) {
    return signed(base, secret, Instant.now().getEpochSecond(), form(payload));
  }

  private static HttpRequest signed(String base, String secret, long epochSecond, String body) {
    String ts = String.valueOf(epochSecond);
    return builder(base, body).header(SlackSignature.TIMESTAMP, ts)
        .header(SlackSignature.SIGNATURE, SlackSignature.sign(secret, ts, body.getBytes(StandardCharsets.UTF_8))).build();
  }

  private static HttpRequest.Builder builder(String base, String body) {
    return HttpRequest.newBuilder(URI.create(base + "/slack/interactions")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** A signed command from U123 (alice) in C456 (#ops); its ephemeral answer. */
  private JsonObject command(String base, String text) throws Exception {
    HttpResponse<String> r = http.send(SignedCommand.request(base, SECRET, Instant.now().getEpochSecond(),
        SignedCommand.form("U123", "C456", text, "")), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals("ephemeral", answer.getString("response_type"));
    return answer;
  }

  /** A plan's ticket, put on the topic after whatever was sent before: reading up to it reads all those. */
  private String planMarker(String base) throws Exception {
    JsonObject answer = command(base, "plan kube-node01");
    Matcher id = PLAN_TICKET.matcher(answer.getString("text"));
    assertTrue(id.find(), answer.encode());
    return id.group();
  }

  private String awaitReady(DaemonUnderTest d) throws Exception {
    String base = "http://127.0.0.1:" + d.daemon.httpPort();
    HttpRequest ready = HttpRequest.newBuilder(URI.create(base + "/readyz")).timeout(Duration.ofSeconds(10)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
    while (r.statusCode() != 200 && System.nanoTime() < deadline) {
      r = http.send(ready, HttpResponse.BodyHandlers.ofString());
    }
    assertEquals(200, r.statusCode(), r.body());
    return base;
  }

  private static List<ConsumerRecord<String, byte[]>> recoverTickets(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"recover\"")).toList();
  }

  private static List<ConsumerRecord<String, byte[]>> tickets(DaemonUnderTest d, String last) {
    return tickets(d, r -> r.stream().anyMatch(x -> new String(x.value(), StandardCharsets.UTF_8).contains(last)));
  }

  /** The records of the tickets topic, from its start, read (with a real consumer) until {@code until} holds. */
  private static List<ConsumerRecord<String, byte[]>> tickets(DaemonUnderTest d,
                                                              Predicate<List<ConsumerRecord<String, byte[]>>> until) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
        d.config.kafka().properties().get("bootstrap.servers"), "group.id", d.prefix + "-t-" + java.util.UUID.randomUUID(),
        "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(d.config.kafka().topics().tickets()));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (until.test(out)) {
          return out;
        }
      }
    }
    throw new AssertionError("not on the tickets topic within 30 s; read " + out.size() + " records");
  }

  /** Every line logged (dev.takeover at INFO and up, the rest at WARN and up) while open, stack traces marked. */
  static final class Logs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger ours = (Logger) LoggerFactory.getLogger("dev.takeover");
    private final Level before = ours.getLevel();
    final List<String> lines = new CopyOnWriteArrayList<>();

    Logs() {
      setContext(root.getLoggerContext());
      start();
      root.addAppender(this);
      ours.setLevel(Level.INFO);
    }

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : " STACK TRACE " + e.getThrowableProxy().getClassName()));
    }

    long count(Predicate<String> p) {
      return lines.stream().filter(p).count();
    }

    /** No secret or response_url in any line, and no stack trace from Slack's parts. */
    void assertClean(String... canaries) {
      assertFalse(lines.isEmpty(), "something was logged");
      for (String line : lines) {
        for (String canary : canaries) {
          assertFalse(line.contains(canary), "logged: " + line);
        }
        assertFalse(line.contains("STACK TRACE") && (line.contains(".slack.") || line.contains(".http.")), line);
      }
    }

    @Override
    public void close() {
      root.detachAppender(this);
      ours.setLevel(before);
      stop();
    }
  }
}
