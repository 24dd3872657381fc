package dev.takeover.daemon;

import ch.qos.logback.classic.Level;
import dev.takeover.kafka.TestBroker;
import dev.takeover.logs.LogCapture;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.slack.SignedCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Canary secrets: the daemon is configured as an operator would (a YAML file, the environment, a mounted file), with
 * a recognisable value for every secret it takes: the API token, Slack's signing secret and webhook URL, Kafka's
 * JAAS line and a TLS key password, the gate's Prometheus credentials (userinfo and a token in the query), the fencing
 * hook's URL and token. Then everything that could leak one is driven: settings that are wrong around them, wrong
 * bearer tokens, bad Slack signatures, a Prometheus that does not answer, a Slack webhook that refuses, a bad ticket
 * record, a takeover end to end. No canary may appear in any log line (every logger, the libraries' included), HTTP
 * answer, CloudEvent, state or dead-letter record, or Kubernetes Event or annotation.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonCanarySecretsTest {
  static final String API_TOKEN = "canary-api-token-1f2e";
  static final String SLACK_SECRET = "canary-slack-secret-3a4b";
  static final String HOOK = "canary-hook-5c6d";
  static final String JAAS = "canary-jaas-7e8f";
  static final String SSL_KEY = "canary-sslkey-9a0b";
  static final String GATE_PASSWORD = "canary-gate-pw-1c2d";
  static final String GATE_TOKEN = "canary-gate-token-3e4f";
  static final String FENCE_PATH = "canary-fence-path-5a6b";
  static final String FENCE_TOKEN = "canary-fence-token-7c8d";
  /** Each canary, and the forms a careless line could show it in (Basic auth of the gate's userinfo). */
  static final List<String> CANARIES = List.of(API_TOKEN, SLACK_SECRET, HOOK, JAAS, SSL_KEY, GATE_PASSWORD, GATE_TOKEN,
      FENCE_PATH, FENCE_TOKEN, Base64.getEncoder().encodeToString(("takeover:" + GATE_PASSWORD)
          .getBytes(StandardCharsets.UTF_8)));

  static SimulatedCluster cluster;
  static Outside outside;
  static LogCapture logs;
  static DaemonCommand.Running daemon;
  static String prefix;
  static Path dir;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("takeover-secrets");
    // Every library's lines at INFO (Kafka's client configs, Vert.x, fabric8), Takeover's at DEBUG.
    logs = LogCapture.everything(Map.of(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.INFO, "dev.takeover", Level.DEBUG,
        "org.apache.kafka.clients", Level.INFO, "io.vertx", Level.INFO, "io.fabric8", Level.INFO));
    cluster = Seed.cluster(SimTiming.fast());
    outside = new Outside();
    prefix = TestBroker.unique("secrets");
    daemon = DaemonCommand.start(args(config()), env());
    base = "http://127.0.0.1:" + daemon.daemon().httpPort();
  }

  @AfterAll
  static void stop() {
    try {
      if (daemon != null) {
        daemon.close();
      }
      assertNoCanary("log lines, the stop's included", logs.rendered());
    } finally {
      logs.close();
      outside.close();
      cluster.close();
    }
  }

  static List<String> args(Path config) {
    return List.of("--config", config.toString(), "--kubeconfig",
        cluster.writeKubeconfig(dir.resolve("kubeconfig")).toString());
  }

  static Map<String, String> env() {
    return Map.of("HOSTNAME", "canary-test", "TAKEOVER_HTTP_API_TOKEN", API_TOKEN,
        "TAKEOVER_DEAD_NODES_FENCING_TOKEN", FENCE_TOKEN, "TAKEOVER_KAFKA_PROPERTIES_SSL_KEY_PASSWORD", SSL_KEY);
  }

  /** The settings file; {@code extra} lines are appended (a wrong setting, for the tests of errors). */
  static Path config(String... extra) throws Exception {
    Path secret = Files.writeString(dir.resolve("slack-signing-secret"), SLACK_SECRET + "\n");
    List<String> lines = new ArrayList<>(List.of(
        "kafka:",
        "  properties:",
        "    bootstrap.servers: \"" + TestBroker.bootstrap() + "\"",
        // Read by the clients only with SASL: here it must merely never be shown.
        "    sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username=\"takeover\""
            + " password=\"" + JAAS + "\";'",
        "  topics:",
        "    tickets: " + prefix + ".tickets",
        "    events: " + prefix + ".events",
        "    deadLetters: " + prefix + ".dlq",
        "    state: " + prefix + ".state",
        "  groupId: " + prefix,
        "tickets:",
        "  tick: PT0.2S",
        "http:",
        "  host: 127.0.0.1",
        "  port: 0",
        "slack:",
        "  signingSecretFile: " + secret,
        "  allowedUsers: [U0001]",
        "  allowedChannels: [C0001]",
        "  webhookUrl: \"" + outside.url("/services/T0001/B0001/" + HOOK) + "\"",
        "gate:",
        "  prometheusUrl: \"" + outside.url("/prom?token=" + GATE_TOKEN).replace("://", "://takeover:" + GATE_PASSWORD + "@")
            + "\"",
        "  interval: PT1S",
        "deadNodes:",
        "  policy: manual",
        "  fencing:",
        "    url: \"" + outside.url("/fence/" + FENCE_PATH) + "\""));
    lines.addAll(List.of(extra));
    return Files.writeString(dir.resolve("takeover-" + System.nanoTime() + ".yaml"), String.join("\n", lines) + "\n");
  }

  static void assertNoCanary(String where, List<String> texts) {
    List<String> leaks = new ArrayList<>();
    for (String t : texts) {
      for (String c : CANARIES) {
        if (t != null && t.contains(c)) {
          leaks.add(c + " in: " + t);
        }
      }
    }
    assertEquals(List.of(), leaks, "secrets in " + where);
  }

  @Test
  void settings_that_are_wrong_around_the_secrets_stop_the_start_naming_the_key_and_never_the_value() throws Exception {
    Map<String, String> both = new HashMap<>(env());
    both.put("TAKEOVER_SLACK_SIGNING_SECRET", SLACK_SECRET);
    List<String> errors = new ArrayList<>();
    errors.add(notStarted(config(), both));
    Map<String, String> twice = new HashMap<>(env());
    twice.put("TAKEOVER_HTTP_API_TOKEN_FILE", dir.resolve("slack-signing-secret").toString());
    errors.add(notStarted(config(), twice));
    Map<String, String> badEnv = new HashMap<>(env());
    badEnv.put("TAKEOVER_SLACK_WEBHOOK_URL", "ftp://" + HOOK);
    errors.add(notStarted(config(), badEnv));
    Map<String, String> typo = new HashMap<>(env());
    typo.put("TAKEOVER_HTTP_API_TOKN", API_TOKEN);
    errors.add(notStarted(config(), typo));
    Map<String, String> fence = new HashMap<>(env());
    fence.put("TAKEOVER_DEAD_NODES_FENCING_URL", "http://[" + FENCE_PATH);
    errors.add(notStarted(config(), fence));
    errors.add(notStarted(config("log:", "  format: !!int " + SSL_KEY), env()));
    errors.add(notStarted(config("log:", "  format: *" + SSL_KEY), env()));
    System.out.println("start refused: " + String.join("\n  ", errors));
    assertNoCanary("the lines of a refused start", errors);
    assertNoCanary("log lines", logs.rendered());
  }

  /** The one line of a start that was refused. */
  static String notStarted(Path config, Map<String, String> env) {
    try {
      DaemonCommand.start(args(config), env).close();
      return fail("started with " + env);
    } catch (DaemonCommand.NotStarted e) {
      assertEquals(2, e.code, e.getMessage());
      return e.getMessage();
    }
  }

  @Test
  void wrong_bearer_tokens_and_bad_slack_signatures_are_refused_without_a_secret_in_the_answer() throws Exception {
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (String authorization : List.of("Bearer wrong", "Bearer " + API_TOKEN + "x", "Bearer " + API_TOKEN.substring(1),
        "Basic " + API_TOKEN, "bearer")) {
      answers.add(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tickets/CHG-1")).header("Authorization",
          authorization).build()));
    }
    answers.add(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tickets")).header("Authorization",
        "Bearer " + API_TOKEN).POST(HttpRequest.BodyPublishers.ofString("{\"id\":")).build()));
    String form = SignedCommand.form("U0001", "C0001", "plan kube-node01", outside.url("/response"));
    long now = Instant.now().getEpochSecond();
    answers.add(send(SignedCommand.request(base, "wrong-secret", now, form)));
    answers.add(send(SignedCommand.request(base, SLACK_SECRET, now - 600, form)));
    answers.add(send(SignedCommand.builder(base, form).header("X-Slack-Request-Timestamp", String.valueOf(now))
        .header("X-Slack-Signature", "v0=" + SLACK_SECRET).build()));
    answers.add(send(SignedCommand.request(base, SLACK_SECRET, now,
        SignedCommand.form("U0666", "C0001", "plan kube-node01", outside.url("/response")))));
    answers.add(send(HttpRequest.newBuilder(URI.create(base + "/slack/interactions"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("payload=" + SLACK_SECRET)).build()));

    assertEquals(List.of(401, 401, 401, 401, 401, 400, 401, 401, 401, 403, 401),
        answers.stream().map(HttpResponse::statusCode).toList(), answers.stream().map(HttpResponse::body).toList()
            .toString());
    List<String> texts = new ArrayList<>();
    answers.forEach(a -> texts.add(a.headers().map() + " " + a.body()));
    assertNoCanary("HTTP answers", texts);
    assertNoCanary("log lines", logs.rendered());
  }

  static HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void a_takeover_told_everywhere_while_prometheus_hangs_and_slack_refuses_shows_no_secret() throws Exception {
    String node = SeedScene.mysqlNode(cluster);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "acks", "all"), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(prefix + ".tickets", node, "{\"id\":")).get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(prefix + ".tickets", node, SeedScene.ticket("CHG-7", "takeover", node,
          "alice", ""))).get(30, TimeUnit.SECONDS);
    }
    // Prometheus does not answer the first question: the gate's own timeout (10 s) ends it and holds the run.
    List<String> events = read(prefix + ".events", l -> l.stream().anyMatch(e -> e.contains("dev.takeover.ticket.completed")
        || e.contains("dev.takeover.ticket.failed")), Duration.ofSeconds(90));
    assertTrue(events.stream().anyMatch(e -> e.contains("dev.takeover.ticket.completed")), events.toString());
    assertTrue(events.stream().anyMatch(e -> e.contains("Prometheus cannot be asked")),
        "the gate's failure is told: " + events);
    outside.awaitPosts("/services/T0001/B0001/" + HOOK, 2, Duration.ofSeconds(30));
    logs.await(l -> l.contains("Slack message of ticket CHG-7") && l.contains("not delivered"), Duration.ofSeconds(30));

    assertNoCanary("CloudEvents", events);
    List<String> letters = read(prefix + ".dlq", l -> !l.isEmpty(), Duration.ofSeconds(30));
    assertNoCanary("dead letters", letters);
    assertNoCanary("the state topic", read(prefix + ".state", l -> !l.isEmpty(), Duration.ofSeconds(30)));
    List<String> kube = new ArrayList<>();
    cluster.client().v1().events().inAnyNamespace().list().getItems().forEach(e -> kube.add(e.getReason() + " "
        + e.getMessage()));
    cluster.client().nodes().list().getItems().forEach(n -> kube.add(String.valueOf(n.getMetadata().getAnnotations())));
    assertTrue(kube.stream().anyMatch(k -> k.startsWith("TakeoverSucceeded")), kube.toString());
    assertNoCanary("Kubernetes Events and annotations", kube);
    HttpResponse<String> state = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tickets/CHG-7"))
        .header("Authorization", "Bearer " + API_TOKEN).build());
    assertEquals(200, state.statusCode(), state.body());
    assertNoCanary("the ticket's state", List.of(state.body()));
    assertNoCanary("log lines", logs.rendered());
  }

  /** Every record of a topic (key, headers, value as text) once {@code until} holds, within the bound. */
  static List<String> read(String topic, java.util.function.Predicate<List<String>> until, Duration bound) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
      // Assigned, not subscribed: no group to join, every partition from its start.
      c.assign(c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList());
      long deadline = System.nanoTime() + bound.toNanos();
      while (!until.test(out) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          StringBuilder headers = new StringBuilder();
          for (Header h : r.headers()) {
            headers.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8)).append(' ');
          }
          out.add(r.key() + " " + headers + r.value());
        }
      }
    }
    assertTrue(until.test(out), topic + " within " + bound + ": " + out);
    return out;
  }
}
