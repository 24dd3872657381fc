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
import io.cloudevents.CloudEvent;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /takeover} from Slack, with real signed requests against the running daemon, a simulated cluster, the
 * real broker, and a local HTTP server playing Slack's response_url and a channel's incoming webhook.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonSlackTest {
  static final String SECRET = "canary-signing-secret-7d41e";
  static final String RESPONSE_PATH = "/commands/T0001/1234/canary-response-9c2f";
  static final String WEBHOOK_PATH = "/services/T0001/B0001/canary-webhook-51aa";
  static final Pattern TICKET = Pattern.compile("slack-[0-9a-f]{10}");
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_signed_takeover_makes_a_ticket_that_moves_mysql_0_and_slack_hears_how_it_went() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint slack = new SlackEndpoint();
         AllLogs logs = new AllLogs();
         DaemonUnderTest d = new DaemonUnderTest(cluster, config("s", slack.url(WEBHOOK_PATH)))) {
      List<JsonObject> notifications = new CopyOnWriteArrayList<>();
      d.vertx.eventBus().<JsonObject>consumer("takeover.notifications", m -> notifications.add(m.body()));
      String base = awaitReady(d);
      // A look first, as an operator would: a plan (a dry run) of the other node, through Kafka like any ticket.
      Matcher look = TICKET.matcher(command(base, "plan kube-node01").getString("text"));
      assertTrue(look.find());
      slack.await(WEBHOOK_PATH, r -> r.stream().anyMatch(m -> m.text().contains(look.group())
          && m.text().contains("completed")), Duration.ofSeconds(60));
      // The channel's webhook is rate-limited at first: its next message is answered 429, Retry-After: 1.
      slack.answerNext(WEBHOOK_PATH, 429, 1);

      long sent = System.nanoTime();
      HttpResponse<String> answer = http.send(SignedCommand.request(base, SECRET, Instant.now().getEpochSecond(),
          SignedCommand.form("U123", "C456", "kube-node02", slack.url(RESPONSE_PATH))), HttpResponse.BodyHandlers.ofString());
      Duration took = Duration.ofNanos(System.nanoTime() - sent);
      assertEquals(200, answer.statusCode(), answer.body());
      assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "answered in " + took.toMillis() + " ms");
      JsonObject reply = new JsonObject(answer.body());
      assertEquals("ephemeral", reply.getString("response_type"));
      Matcher id = TICKET.matcher(reply.getString("text"));
      assertTrue(id.find(), reply.encodePrettily());
      String ticket = id.group();
      assertTrue(reply.getString("text").contains("1 to evict"), "the plan's summary: " + reply.getString("text"));

      List<CloudEvent> events = d.awaitEvent(ticket, type("completed").or(type("failed")), Duration.ofSeconds(90));
      assertEquals("completed", types(events).get(types(events).size() - 1), types(events).toString());
      JsonObject accepted = DaemonUnderTest.data(events.get(0));
      assertEquals("slack", accepted.getString("source"));
      assertEquals("slack:U123", accepted.getString("requestedBy"));
      assertTrue(accepted.getString("reason").contains("@alice"), accepted.getString("reason"));

      // The command's response_url hears the start and the outcome, pod by pod, in Block Kit.
      List<SlackEndpoint.Received> told = slack.await(RESPONSE_PATH, r -> r.stream()
          .anyMatch(m -> m.text().contains("completed")), Duration.ofSeconds(30));
      assertTrue(told.get(0).text().contains("started") && told.get(0).text().contains(ticket), told.get(0).text());
      JsonObject outcome = told.get(told.size() - 1).body();
      assertEquals("ephemeral", outcome.getString("response_type"));
      String blocks = outcome.getJsonArray("blocks").encode();
      assertTrue(blocks.contains("default/mysql-0") && blocks.contains("kube-node02 → kube-node01")
          && blocks.contains("pvc-mysql-0 → pv1") && blocks.contains("Ready after"), blocks);
      assertEquals("section", outcome.getJsonArray("blocks").getJsonObject(0).getString("type"));

      // The channel hears the same story: its first message once more after the 429, each message once.
      List<SlackEndpoint.Received> channel = slack.await(WEBHOOK_PATH, r -> r.stream()
          .anyMatch(m -> m.status() == 200 && m.text().contains("completed") && m.text().contains(ticket)),
          Duration.ofSeconds(30)).stream().filter(m -> m.text().contains(ticket)).toList();
      assertEquals(429, channel.get(0).status());
      assertEquals(channel.get(0).body(), channel.get(1).body(), "the same message again");
      assertTrue(Duration.ofNanos(channel.get(1).at() - channel.get(0).at()).toMillis() >= 900,
          "after Retry-After: " + Duration.ofNanos(channel.get(1).at() - channel.get(0).at()).toMillis() + " ms");
      List<JsonObject> delivered = channel.stream().filter(m -> m.status() == 200).map(SlackEndpoint.Received::body).toList();
      assertEquals(delivered.size(), Set.copyOf(delivered).size(), "each message delivered once");
      assertTrue(notifications.contains(new JsonObject().put("channel", "slack-webhook").put("result", "sent")));
      assertTrue(notifications.contains(new JsonObject().put("channel", "slack-response-url").put("result", "sent")));
      assertFalse(notifications.stream().anyMatch(n -> "failed".equals(n.getString("result"))), notifications.toString());

      // status, by ticket and by node
      JsonObject status = command(base, "status " + ticket);
      assertTrue(status.getString("text").contains("done") && status.getString("text").contains("completed"),
          status.encode());
      assertTrue(command(base, "status kube-node02").getString("text").contains("Ready"));
      assertTrue(command(base, "status kube-node99").getString("text").contains("No ticket or node"));
      assertTrue(command(base, "help").getString("text").contains("/takeover plan &lt;node&gt;"), "escaped as mrkdwn");
      assertTrue(command(base, "kube-node02 at noon").getString("text").contains("not an ISO time"));
      assertTrue(command(base, "kube-node99").getString("text").contains("unknown-node"));

      logs.assertNone(SECRET, "canary-response-9c2f", "canary-webhook-51aa");
      assertFalse(events.stream().map(e -> DaemonUnderTest.data(e).encode())
          .anyMatch(e -> e.contains("canary")), "no URL or secret in the events");
    }
  }

  @Test
  void forged_stale_changed_unsigned_and_unallowed_commands_are_refused_and_make_no_ticket() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); AllLogs logs = new AllLogs();
         DaemonUnderTest d = new DaemonUnderTest(cluster, config("r", ""))) {
      String base = awaitReady(d);
      long now = Instant.now().getEpochSecond();
      String body = SignedCommand.form("U123", "C456", "kube-node02", "https://hooks.slack.com/commands/canary-r");
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String ts = String.valueOf(now);
      String good = dev.takeover.slack.SlackSignature.sign(SECRET, ts, bytes);

      Map<String, HttpRequest> refused = new java.util.LinkedHashMap<>();
      refused.put("forged", SignedCommand.request(base, "not-the-secret", now, body));
      refused.put("stale", SignedCommand.request(base, SECRET, now - 301, body));
      // 330, not 301: the server reads its clock after "now" was read here, often a second later, and 300 s passes.
      refused.put("from the future", SignedCommand.request(base, SECRET, now + 330, body));
      refused.put("changed after signing", SignedCommand.builder(base, body.replace("kube-node02", "kube-node01"))
          .header("X-Slack-Request-Timestamp", ts).header("X-Slack-Signature", good).build());
      refused.put("no signature", SignedCommand.builder(base, body).header("X-Slack-Request-Timestamp", ts).build());
      refused.put("no timestamp", SignedCommand.builder(base, body).header("X-Slack-Signature", good).build());
      refused.put("Slack's documented example, from 2018", SignedCommand.builder(base,
              "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                  + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                  + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
                  + "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
          .header("X-Slack-Request-Timestamp", "1531420618")
          .header("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503").build());
      refused.put("unknown user", SignedCommand.request(base, SECRET, now,
          SignedCommand.form("U999", "C456", "kube-node02", "https://hooks.slack.com/commands/canary-r")));
      refused.put("unknown channel", SignedCommand.request(base, SECRET, now,
          SignedCommand.form("U123", "C999", "kube-node02", "https://hooks.slack.com/commands/canary-r")));
      for (Map.Entry<String, HttpRequest> r : refused.entrySet()) {
        HttpResponse<String> res = http.send(r.getValue(), HttpResponse.BodyHandlers.ofString());
        int expected = r.getKey().startsWith("unknown") ? 403 : 401;
        assertEquals(expected, res.statusCode(), r.getKey() + ": " + res.body());
        JsonObject error = new JsonObject(res.body());
        assertEquals(expected == 403 ? "forbidden" : "unauthorized", error.getString("error"), r.getKey());
        assertFalse(TICKET.matcher(res.body()).find() || res.body().contains(SECRET), res.body());
      }

      // A good command last: the only record on the tickets topic is its ticket.
      JsonObject marker = command(base, "plan kube-node01");
      Matcher id = TICKET.matcher(marker.getString("text"));
      assertTrue(id.find(), marker.encode());
      List<ConsumerRecord<String, byte[]>> records = tickets(d, id.group(), Duration.ofSeconds(30));
      assertEquals(1, records.size(), records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList().toString());
      assertEquals("slack", DaemonUnderTest.header(records.get(0), "takeover.source"));
      List<CloudEvent> events = d.awaitEvent(id.group(), type("completed"), Duration.ofSeconds(60));
      assertEquals("plan", DaemonUnderTest.data(events.get(0)).getString("action"));

      logs.assertNone(SECRET, "canary-r");
    }
  }

  @Test
  void without_a_signing_secret_slack_commands_get_503() throws Exception {
    DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("n"), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
      HttpResponse<String> off = http.send(SignedCommand.request("http://127.0.0.1:" + d.daemon.httpPort(), SECRET,
          Instant.now().getEpochSecond(), SignedCommand.form("U123", "C456", "kube-node02", "")),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(503, off.statusCode());
      assertEquals("slack-off", new JsonObject(off.body()).getString("error"));
    }
  }

  private static DaemonConfig config(String prefix, String webhook) {
    return DaemonUnderTest.config(TestBroker.unique(prefix), 1)
        .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""))
        .withSlack(new TriggerConfig.Slack(SECRET, Set.of("U123"), Set.of("C456"), webhook));
  }

  /** A signed command from U123 in C456; its ephemeral answer. */
  private JsonObject command(String base, String text) throws Exception {
    HttpResponse<String> r = http.send(SignedCommand.request(base, SECRET, Instant.now().getEpochSecond(),
        SignedCommand.form("U123", "C456", text, "")), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals("ephemeral", answer.getString("response_type"));
    return answer;
  }

  private String awaitReady(DaemonUnderTest d) throws Exception {
    String base = "http://127.0.0.1:" + d.daemon.httpPort();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpRequest ready = HttpRequest.newBuilder(java.net.URI.create(base + "/readyz")).timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
    while (r.statusCode() != 200 && System.nanoTime() < deadline) {
      r = http.send(ready, HttpResponse.BodyHandlers.ofString());
    }
    assertEquals(200, r.statusCode(), r.body());
    return base;
  }

  /** The records of the tickets topic, from its start, read until one of ticket {@code last} is among them. */
  private static List<ConsumerRecord<String, byte[]>> tickets(DaemonUnderTest d, String last, Duration bound) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
        d.config.kafka().properties().get("bootstrap.servers"), "group.id", d.prefix + "-tickets-" + java.util.UUID.randomUUID(),
        "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(d.config.kafka().topics().tickets()));
      long deadline = System.nanoTime() + bound.toNanos();
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.stream().anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains(last))) {
          return out;
        }
      }
    }
    throw new AssertionError("ticket " + last + " not on the tickets topic within " + bound);
  }

  /** Every line logged (dev.takeover at INFO and up, everything else at WARN and up) while it is open. */
  static final class AllLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger ours = (Logger) LoggerFactory.getLogger("dev.takeover");
    private final Level before = ours.getLevel();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    AllLogs() {
      setContext(root.getLoggerContext());
      start();
      root.addAppender(this);
      ours.setLevel(Level.INFO);
    }

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
    }

    void assertNone(String... canaries) {
      assertFalse(lines.isEmpty(), "something was logged");
      for (String line : lines) {
        for (String canary : canaries) {
          assertFalse(line.contains(canary), "logged: " + line);
        }
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
