package dev.takeover.daemon;

import dev.takeover.config.FailurePolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's settings as an operator meets them: the shipped config/takeover.yaml, no file at all, the
 * environment over the file, and every kind of wrong setting stopping the start with one line that names the key.
 * Secrets have a class of their own ({@link DaemonConfigSecretsTest}).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonConfigLoaderTest {
  static final Path SHIPPED = Path.of("config/takeover.yaml");
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

  static DaemonConfig load(Path file, Map<String, String> env) {
    try {
      return DaemonConfigLoader.load(vertx, file, env).await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the config did not load within 10 s");
    }
  }

  /** The loader's failure, checked to be an operator's one line: no line break, no stack trace, no class names. */
  static ConfigError failure(Path file, Map<String, String> env) {
    Future<DaemonConfig> loaded = DaemonConfigLoader.load(vertx, file, env);
    Throwable t = assertThrows(Throwable.class, () -> loaded.await(10, TimeUnit.SECONDS));
    ConfigError e = assertInstanceOf(ConfigError.class, t, () -> "not a ConfigError: " + t);
    assertOneLine(e.getMessage());
    assertEquals(0, e.getStackTrace().length, "a ConfigError carries no stack trace");
    return e;
  }

  static void assertOneLine(String message) {
    assertFalse(message.contains("\n") || message.contains("\r"), () -> "more than one line: " + message);
    assertFalse(message.matches("(?s).*\\bat [a-z]+(\\.[\\w$]+)+\\(.*"), () -> "stack trace text: " + message);
    assertFalse(message.matches("(?s).*\\b[a-z]+(\\.[a-z]+)+\\.[A-Z]\\w*(Exception|Error)\\b.*"),
        () -> "a Java class name: " + message);
  }

  Path file(String yaml) {
    try {
      return Files.writeString(Files.createTempFile(dir, "takeover", ".yaml"), yaml);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Every default of issue 12's contract and of the comments of config/takeover.yaml. */
  static void assertDefaults(DaemonConfig c) {
    assertEquals(Map.of("bootstrap.servers", "localhost:9092"), c.kafka().properties());
    assertEquals(new DaemonConfig.Topics("takeover.tickets", "takeover.events", "takeover.tickets.dlq", "takeover.state"),
        c.kafka().topics());
    assertEquals("takeover", c.kafka().groupId());
    assertEquals(3, c.kafka().partitions());
    assertEquals(-1, c.kafka().replicationFactor());
    assertEquals(1, c.engine().maxNodesInMaintenance());
    assertEquals(Duration.ofMinutes(10), c.engine().drainTimeout());
    assertEquals(Duration.ofMinutes(10), c.engine().confirmTimeout());
    assertEquals(FailurePolicy.UNCORDON, c.engine().onFailure());
    assertEquals(Duration.ofSeconds(5), c.engine().relistPeriod());
    assertEquals(16, c.engine().kubeWorkers());
    assertEquals(new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)), c.tickets());
  }

  @Test
  void the_shipped_config_file_gives_the_documented_defaults() {
    DaemonConfig c = load(SHIPPED, Map.of("HOSTNAME", "takeover-0"));
    assertDefaults(c);
    // daemon.instance: "" means the host name.
    assertEquals("takeover-0", c.instance());
  }

  @Test
  void the_shipped_config_file_names_every_setting_so_that_none_is_undocumented() throws IOException {
    String shipped = Files.readString(SHIPPED);
    for (Settings.Setting<?> s : Settings.ALL) {
      String[] words = s.key().split("\\.");
      String last = words[words.length - 1];
      assertTrue(shipped.contains("\n  " + (words.length == 3 ? "  " : "") + last + ":"),
          () -> s.key() + " is not in " + SHIPPED);
    }
  }

  @Test
  void no_file_gives_the_same_defaults_as_the_shipped_one() {
    DaemonConfig none = load(null, Map.of("HOSTNAME", "takeover-0"));
    assertDefaults(none);
    assertEquals(load(SHIPPED, Map.of("HOSTNAME", "takeover-0")), none);
  }

  @Test
  void a_file_of_comments_only_or_with_keys_left_empty_keeps_the_defaults() {
    assertDefaults(load(file("# nothing set here\n"), Map.of()));
    assertDefaults(load(file("engine:\n  drainTimeout:\n  confirmTimeout: ~\nkafka:\n  topics:\n"), Map.of()));
  }

  @Test
  void a_file_sets_what_it_names_and_the_rest_keeps_its_default() {
    DaemonConfig c = load(file("""
        daemon:
          instance: takeover-blue
        kafka:
          properties:
            bootstrap.servers: "kafka-0:9092,kafka-1:9092"
            security.protocol: SASL_SSL
            linger.ms: 5
          topics:
            state: ops.takeover.state
          groupId: takeover-blue
        engine:
          maxNodesInMaintenance: 3
          drainTimeout: PT30M
          onFailure: keep-cordoned
        """), Map.of());
    assertEquals(Map.of("bootstrap.servers", "kafka-0:9092,kafka-1:9092", "security.protocol", "SASL_SSL",
        "linger.ms", "5"), c.kafka().properties());
    assertEquals("ops.takeover.state", c.kafka().topics().state());
    assertEquals("takeover.tickets", c.kafka().topics().tickets());
    assertEquals("takeover-blue", c.kafka().groupId());
    assertEquals(3, c.engine().maxNodesInMaintenance());
    assertEquals(Duration.ofMinutes(30), c.engine().drainTimeout());
    assertEquals(Duration.ofMinutes(10), c.engine().confirmTimeout());
    assertEquals(FailurePolicy.KEEP_CORDONED, c.engine().onFailure());
    assertEquals("takeover-blue", c.instance());
  }

  @Test
  void environment_variables_set_keys_by_the_documented_mapping() {
    DaemonConfig c = load(null, Map.of(
        "TAKEOVER_KAFKA_BOOTSTRAP_SERVERS", "kafka.prod:9093",
        "TAKEOVER_ENGINE_DRAIN_TIMEOUT", "PT3M",
        "TAKEOVER_ENGINE_MAX_NODES_IN_MAINTENANCE", "4",
        "TAKEOVER_ENGINE_ON_FAILURE", "keep-cordoned",
        "TAKEOVER_KAFKA_TOPICS_DEAD_LETTERS", "ops.dlq",
        "TAKEOVER_KAFKA_GROUP_ID", "ops",
        "TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "org.example.Login required;",
        "TAKEOVER_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SASL_SSL"));
    assertEquals(Map.of("bootstrap.servers", "kafka.prod:9093", "sasl.jaas.config", "org.example.Login required;",
        "security.protocol", "SASL_SSL"), c.kafka().properties());
    assertEquals(Duration.ofMinutes(3), c.engine().drainTimeout());
    assertEquals(4, c.engine().maxNodesInMaintenance());
    assertEquals(FailurePolicy.KEEP_CORDONED, c.engine().onFailure());
    assertEquals("ops.dlq", c.kafka().topics().deadLetters());
    assertEquals("ops", c.kafka().groupId());
  }

  @Test
  void the_environment_wins_over_the_file() {
    Path f = file("""
        kafka:
          properties:
            bootstrap.servers: "from-file:9092"
            sasl.jaas.config: "from-file"
        engine:
          drainTimeout: PT1M
          confirmTimeout: PT2M
        """);
    DaemonConfig c = load(f, Map.of("TAKEOVER_KAFKA_BOOTSTRAP_SERVERS", "from-env:9092",
        "TAKEOVER_ENGINE_DRAIN_TIMEOUT", "PT7M", "TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "from-env"));
    assertEquals("from-env:9092", c.kafka().properties().get("bootstrap.servers"));
    assertEquals("from-env", c.kafka().properties().get("sasl.jaas.config"));
    assertEquals(Duration.ofMinutes(7), c.engine().drainTimeout());
    assertEquals(Duration.ofMinutes(2), c.engine().confirmTimeout(), "what the environment does not set stays the file's");
  }

  @Test
  void the_variables_kubernetes_sets_for_a_service_named_takeover_are_not_settings() {
    DaemonConfig c = load(null, Map.of("TAKEOVER_SERVICE_HOST", "10.0.0.1", "TAKEOVER_SERVICE_PORT", "8080",
        "TAKEOVER_PORT_8080_TCP", "tcp://10.0.0.1:8080", "TAKEOVER_METRICS_SERVICE_PORT_HTTP", "9090", "PATH", "/bin"));
    assertDefaults(c);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a duration without PT             | engine:\\n  drainTimeout: 10m                      | engine.drainTimeout: '10m' is not an ISO-8601 duration
      a duration of zero                | engine:\\n  confirmTimeout: PT0S                  | engine.confirmTimeout: must be more than zero
      a negative duration               | tickets:\\n  tick: -PT1S                          | tickets.tick: must be more than zero
      a negative maxNodesInMaintenance  | engine:\\n  maxNodesInMaintenance: -1             | engine.maxNodesInMaintenance: must be at least 1, got -1
      a zero maxNodesInMaintenance      | engine:\\n  maxNodesInMaintenance: 0              | engine.maxNodesInMaintenance: must be at least 1, got 0
      a fractional maxNodesInMaintenance| engine:\\n  maxNodesInMaintenance: 1.5            | engine.maxNodesInMaintenance: must be a whole number, got '1.5'
      a word for a number               | kafka:\\n  partitions: three                     | kafka.partitions: must be a whole number, got 'three'
      a zero replication factor         | kafka:\\n  replicationFactor: 0                  | kafka.replicationFactor: must be -1 (the broker's default) or at least 1
      an unknown onFailure              | engine:\\n  onFailure: reboot                     | engine.onFailure: must be uncordon or keep-cordoned, got 'reboot'
      onFailure in another case         | engine:\\n  onFailure: UNCORDON                   | engine.onFailure: must be uncordon or keep-cordoned
      a misspelt key                    | engine:\\n  drainTimout: PT1M                     | engine.drainTimout: unknown setting (did you mean engine.drainTimeout?)
      an unknown section                | scheduler:\\n  tick: PT1S                         | scheduler: unknown setting
      a Kafka property one level high   | kafka:\\n  bootstrap.servers: b:9092             | kafka.bootstrap.servers: unknown setting (did you mean kafka.properties.bootstrap.servers?)
      a section given a value           | engine: fast                                     | engine: must be a mapping of settings
      a setting given a mapping         | engine:\\n  drainTimeout:\\n    minutes: 10        | engine.drainTimeout: must be a single value, not a mapping
      a setting given a list            | kafka:\\n  topics:\\n    tickets: [a, b]           | kafka.topics.tickets: must be a single value, not a list
      properties given a value          | kafka:\\n  properties: b:9092                    | kafka.properties: must be a mapping of Kafka client properties
      a property given a list           | kafka:\\n  properties:\\n    bootstrap.servers: [a:1, b:2] | kafka.properties.bootstrap.servers: must be a single value, not a list (Kafka lists are comma-separated
      an empty bootstrap.servers        | kafka:\\n  properties:\\n    bootstrap.servers: ''  | kafka.properties.bootstrap.servers: must be set
      an invalid topic name             | kafka:\\n  topics:\\n    events: 'my events'       | kafka.topics.events: 'my events' is not a valid Kafka topic name
      an empty topic name               | kafka:\\n  topics:\\n    events: ''                | kafka.topics.events: must be set
      two topics of one name            | kafka:\\n  topics:\\n    state: takeover.events    | kafka.topics.state: 'takeover.events' is already kafka.topics.events; each topic needs its own name
      an empty groupId                  | kafka:\\n  groupId: ''                           | kafka.groupId: must be set
      an instance with a slash          | daemon:\\n  instance: a/b                         | daemon.instance: must be letters, digits
      """)
  void a_wrong_setting_in_the_file_stops_the_start_with_one_line_naming_the_key(String kind, String yaml, String expected) {
    ConfigError e = failure(file(yaml.replace("\\n", "\n")), Map.of());
    assertTrue(e.getMessage().startsWith(expected), () -> kind + ": '" + e.getMessage() + "' does not start with '" + expected + "'");
  }

  @Test
  void a_wrong_value_from_the_environment_names_the_key_and_the_variable() {
    ConfigError e = failure(null, Map.of("TAKEOVER_ENGINE_DRAIN_TIMEOUT", "10 minutes"));
    assertEquals("engine.drainTimeout (TAKEOVER_ENGINE_DRAIN_TIMEOUT): '10 minutes' is not an ISO-8601 duration such as PT10M",
        e.getMessage());
    ConfigError blank = failure(null, Map.of("TAKEOVER_KAFKA_BOOTSTRAP_SERVERS", " "));
    assertEquals("kafka.properties.bootstrap.servers (TAKEOVER_KAFKA_BOOTSTRAP_SERVERS): must be set", blank.getMessage());
  }

  @Test
  void a_misspelt_variable_is_an_error_with_a_guess() {
    ConfigError e = failure(null, Map.of("TAKEOVER_ENGINE_DRAIN_TIMOUT", "PT1M"));
    assertEquals("TAKEOVER_ENGINE_DRAIN_TIMOUT: unknown setting (did you mean TAKEOVER_ENGINE_DRAIN_TIMEOUT?)",
        e.getMessage());
    ConfigError two = failure(null, Map.of("TAKEOVER_ENGINE_DRAIN_TIMOUT", "PT1M", "TAKEOVER_KAFKA_GROUPID", "x"));
    assertTrue(two.getMessage().startsWith("unknown settings in the environment: TAKEOVER_ENGINE_DRAIN_TIMOUT"),
        two.getMessage());
    assertTrue(two.getMessage().contains("TAKEOVER_KAFKA_GROUPID (did you mean TAKEOVER_KAFKA_GROUP_ID?)"), two.getMessage());
  }

  @Test
  void the_bootstrap_shorthand_and_the_full_variable_with_different_values_are_an_error() {
    ConfigError e = failure(null, Map.of("TAKEOVER_KAFKA_BOOTSTRAP_SERVERS", "a:9092",
        "TAKEOVER_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS", "b:9092"));
    assertTrue(e.getMessage().startsWith("TAKEOVER_KAFKA_BOOTSTRAP_SERVERS and TAKEOVER_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS: "
        + "both set kafka.properties.bootstrap.servers"), e.getMessage());
  }

  @Test
  void a_config_file_given_but_missing_is_an_error_naming_it() {
    Path missing = dir.resolve("nowhere.yaml");
    ConfigError e = failure(missing, Map.of());
    assertEquals("config file " + missing + ": no such file", e.getMessage());
    // A relative name that is also a classpath resource is still looked for on disk only.
    ConfigError relative = failure(Path.of("logback-test.xml"), Map.of());
    assertEquals("config file logback-test.xml: no such file", relative.getMessage());
  }

  @Test
  void a_config_file_that_cannot_be_read_is_an_error_naming_it() {
    // A directory: unreadable as a file even for root, who reads files whatever their mode.
    ConfigError e = failure(dir, Map.of());
    assertTrue(e.getMessage().startsWith("config file " + dir + ": "), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      an unclosed list        | engine:\\n  drainTimeout: [PT1M\\n                       | not valid YAML at line
      a wrong indentation     | engine:\\n  drainTimeout: PT1M\\n bad: 1\\n              | not valid YAML at line 3
      a tab for indentation   | engine:\\n\\tdrainTimeout: PT1M\\n                      | not valid YAML at line 2
      a value after a value   | engine:\\n  drainTimeout: PT1M: PT2M\\n                 | not valid YAML at line 2
      two documents           | engine: {}\\n---\\nkafka: {}\\n                       | not valid YAML at line 2
      a key given twice       | engine:\\n  drainTimeout: PT1M\\n  drainTimeout: PT2M\\n | not valid YAML at line 3, column 3: found duplicate key drainTimeout
      a section given twice   | engine:\\n  drainTimeout: PT1M\\nengine:\\n  confirmTimeout: PT2M\\n | not valid YAML at line 3, column 1: found duplicate key engine
      a list of settings      | - engine\\n- kafka\\n                                 | must be a mapping of settings
      a lone word             | takeover\\n                                             | must be a mapping of settings
      """)
  void a_file_that_is_not_yaml_of_settings_is_an_error_naming_the_file_and_where(String kind, String yaml, String expected) {
    Path f = file(yaml.replace("\\n", "\n").replace("\\t", "\t"));
    ConfigError e = failure(f, Map.of());
    assertTrue(e.getMessage().startsWith("config file " + f + ": " + expected),
        () -> kind + ": '" + e.getMessage() + "' does not start with 'config file " + f + ": " + expected + "'");
  }
}
