package dev.takeover.daemon;

import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets in the daemon's settings (SASL's JAAS line, TLS passwords and keys) are printed nowhere: not in the one line
 * of a wrong setting, whatever is wrong around them, and not in the config's text, which the daemon may log whole.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonConfigSecretsTest {
  static final String SECRET = "Zq7S3CRETx";
  static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  Path file(String yaml) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "takeover", ".yaml"), yaml);
  }

  static String failure(Path file, Map<String, String> env) {
    Throwable t = assertThrows(Throwable.class,
        () -> DaemonConfigLoader.load(vertx, file, env).await(10, TimeUnit.SECONDS));
    ConfigError e = assertInstanceOf(ConfigError.class, t, () -> "not a ConfigError: " + t);
    DaemonConfigLoaderTest.assertOneLine(e.getMessage());
    return e.getMessage();
  }

  /** The secret's value and any sizeable piece of it. */
  static void assertNoSecret(String text) {
    for (String piece : new String[] {SECRET, "S3CRET", "Zq7"}) {
      assertFalse(text.toLowerCase().contains(piece.toLowerCase()), () -> "shows the secret: " + text);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a secret read as a number             | ssl.key.password: !!int Zq7S3CRETx
      a short secret read as a number       | ssl.key.password: !!int Zq7S3C
      a secret read as a timestamp          | ssl.keystore.password: !!timestamp Zq7S3CRETx
      a secret read as base64               | ssl.truststore.password: !!binary Zq7S3CRETx
      a secret that starts with an asterisk | ssl.key.password: *Zq7S3CRETx
      a secret that starts with a bang      | ssl.key.password: !Zq7S3CRETx
      a secret with a colon and a space     | sasl.jaas.config: Zq7S3CRETx: x
      a secret with a bad escape            | sasl.jaas.config: "Zq7S3CRETx \\q"
      a secret never closed                 | sasl.jaas.config: "Zq7S3CRETx
      a secret in a list                    | sasl.jaas.config: [Zq7S3CRETx]
      a secret in a mapping                 | sasl.jaas.config: {Zq7S3CRETx: x}
      a secret beside a wrong setting       | sasl.jaas.config: Zq7S3CRETx\\nengine:\\n  drainTimeout: soon
      """)
  void a_wrong_file_never_shows_a_secret_in_its_error(String kind, String property) throws IOException {
    String message = failure(file("kafka:\n  properties:\n    " + property.replace("\\n", "\n") + "\n"), Map.of());
    assertTrue(message.startsWith("config file ") || message.startsWith("kafka.properties.")
        || message.startsWith("engine."), message);
    assertNoSecret(message);
  }

  @Test
  void a_secret_one_level_too_high_is_an_unknown_key_without_its_value() throws IOException {
    String message = failure(file("kafka:\n  sasl.jaas.config: " + SECRET + "\n"), Map.of());
    assertEquals("kafka.sasl.jaas.config: unknown setting (did you mean kafka.properties.sasl.jaas.config?)", message);
  }

  @Test
  void a_wrong_environment_never_shows_a_secret_in_its_error() {
    assertNoSecret(failure(null, Map.of("TAKEOVER_KAFKA_PROPERTIES_SSL_KEY_PASSWORD", SECRET,
        "TAKEOVER_ENGINE_ON_FAILURE", "reboot")));
    assertNoSecret(failure(null, Map.of("TAKEOVER_KAFKA_SASL_JAAS_CONFIG", SECRET)));
    assertNoSecret(failure(null, Map.of("TAKEOVER_KAFKA_BOOTSTRAP_SERVERS", SECRET,
        "TAKEOVER_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS", "b:9092")));
  }

  @Test
  void the_config_text_hides_every_property_the_kafka_clients_hide() throws IOException {
    Map<String, String> secrets = new TreeMap<>();
    for (ConfigDef def : new ConfigDef[] {ProducerConfig.configDef(), ConsumerConfig.configDef(),
        AdminClientConfig.configDef()}) {
      def.configKeys().forEach((name, key) -> {
        if (key.type == ConfigDef.Type.PASSWORD) {
          secrets.put(name, SECRET + "-" + name);
        }
      });
    }
    assertTrue(secrets.keySet().containsAll(java.util.List.of("sasl.jaas.config", "ssl.key.password",
        "ssl.keystore.password", "ssl.truststore.password")), secrets.keySet().toString());
    StringBuilder yaml = new StringBuilder("kafka:\n  properties:\n    bootstrap.servers: kafka-0:9093\n");
    secrets.forEach((name, value) -> yaml.append("    ").append(name).append(": \"").append(value).append("\"\n"));
    // From the environment too, and a property that is no Kafka one but has a secret's name.
    DaemonConfig c = DaemonConfigLoader.load(vertx, file(yaml.toString()), Map.of(
        "TAKEOVER_KAFKA_PROPERTIES_SASL_LOGIN_PASSWORD", SECRET + "-env")).await();
    assertEquals(SECRET + "-sasl.jaas.config", c.kafka().properties().get("sasl.jaas.config"),
        "the clients get the secret itself");

    String text = c.toString();
    assertNoSecret(text);
    assertNoSecret(c.kafka().redacted().toString());
    assertTrue(text.contains("bootstrap.servers=kafka-0:9093"), "what is not secret is shown: " + text);
    assertTrue(text.contains("sasl.jaas.config=" + DaemonConfig.Kafka.REDACTED), text);
  }

  @Test
  void the_config_text_hides_the_api_token_the_slack_secret_and_webhook_and_a_password_in_the_gate_url()
      throws IOException {
    Path token = Files.writeString(dir.resolve("token"), SECRET + "-file\n");
    DaemonConfig c = DaemonConfigLoader.load(vertx, file("""
        http:
          apiTokenFile: "%s"
        slack:
          webhookUrl: "https://hooks.slack.com/services/T0/B0/%s"
          allowedUsers: [U1, U2]
        gate:
          prometheusUrl: "http://admin:%s@prometheus:9090/prom"
        """.formatted(token, SECRET, SECRET)), Map.of("TAKEOVER_SLACK_SIGNING_SECRET", SECRET + "-env")).await();
    assertEquals(SECRET + "-file", c.http().apiToken(), "read from the file, trimmed");
    assertEquals(SECRET + "-env", c.slack().signingSecret());
    assertEquals(java.util.Set.of("U1", "U2"), c.slack().allowedUsers(), "a YAML list");
    String text = c.toString();
    assertNoSecret(text);
    assertTrue(text.contains("allowedUsers="), text);
    assertTrue(text.contains("prometheus:9090/prom"), "the host is shown: " + text);
  }

  @Test
  void the_config_text_names_the_fencing_command_by_its_program_only() throws IOException {
    DaemonConfig c = DaemonConfigLoader.load(vertx, file("""
        deadNodes:
          policy: manual
          fencing:
            command: [/usr/local/bin/fence-ipmi, "{node}", "--password=%s"]
        """.formatted(SECRET)), Map.of()).await();
    assertEquals(3, c.deadNodes().fencing().command().size());
    String text = c.toString();
    assertNoSecret(text);
    assertTrue(text.contains("/usr/local/bin/fence-ipmi"), text);
  }

  @Test
  void a_token_given_both_as_a_value_and_as_a_file_or_a_file_that_cannot_be_read_stops_the_start() throws IOException {
    Path token = Files.writeString(dir.resolve("token"), SECRET);
    String both = failure(file("http:\n  apiTokenFile: \"" + token + "\"\n"),
        Map.of("TAKEOVER_HTTP_API_TOKEN", SECRET));
    assertTrue(both.contains("http.apiToken (TAKEOVER_HTTP_API_TOKEN) and http.apiTokenFile"), both);
    assertNoSecret(both);
    String missing = failure(file("slack:\n  signingSecretFile: /nowhere/secret\n"), Map.of());
    assertTrue(missing.contains("slack.signingSecretFile") && missing.contains("/nowhere/secret"), missing);
  }
}
