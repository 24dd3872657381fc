package dev.takeover.daemon;

import dev.takeover.config.Backoff;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.EnvOverrides.Value;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the daemon's settings once at start: built-in defaults, then the YAML file, then the environment (each
 * over the one before), validated into a {@link DaemonConfig}. The keys and their defaults are in the shipped
 * {@code config/takeover.yaml}. A setting that is wrong, unknown or misspelt stops the start with a
 * {@link ConfigError}: one line naming the key (and the variable, when it came from the environment) and the
 * problem. Keys under {@code kafka.properties} are not checked: they are passed to the Kafka clients as they are.
 *
 * <p><b>Environment variables</b>, one rule: {@code TAKEOVER_} and then the key in upper snake case, where each
 * {@code .} and each capital letter starts a new word: {@code engine.maxNodesInMaintenance} is
 * {@code TAKEOVER_ENGINE_MAX_NODES_IN_MAINTENANCE}, {@code kafka.topics.deadLetters} is
 * {@code TAKEOVER_KAFKA_TOPICS_DEAD_LETTERS}, {@code kafka.groupId} is {@code TAKEOVER_KAFKA_GROUP_ID}. Under
 * {@code kafka.properties} the rest is the property's name, lower-cased, with {@code _} read as {@code .}:
 * {@code TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG} sets {@code sasl.jaas.config} (so a property whose name has
 * an {@code _} or a capital can only be set in the file). {@code TAKEOVER_KAFKA_BOOTSTRAP_SERVERS} is short for
 * {@code TAKEOVER_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS}. Any other {@code TAKEOVER_*} variable is an error, except
 * those Kubernetes sets for a Service named takeover or takeover-… ({@code TAKEOVER_SERVICE_HOST},
 * {@code TAKEOVER_PORT_8080_TCP}…).
 *
 * <p>A key without a value ({@code drainTimeout:} or {@code ~}) keeps the default. An empty {@code daemon.instance}
 * means the host name ({@code HOSTNAME}, else the local host's name).
 *
 * <p>{@link ConfigFile} reads the file and {@link EnvOverrides} the environment, each into the settings' texts;
 * this class parses those texts and checks the settings against each other.
 */
public final class DaemonConfigLoader {
  private DaemonConfigLoader() {}

  /**
   * The settings of {@code file} (null: none, the defaults) with {@code env}'s over them. Fails with a
   * {@link ConfigError} when the file is missing, is not YAML, or a setting is wrong.
   */
  public static Future<DaemonConfig> load(Vertx vertx, Path file, Map<String, String> env) {
    Future<JsonObject> yaml = file == null ? Future.succeededFuture(new JsonObject()) : ConfigFile.read(vertx, file);
    // On a worker: an empty daemon.instance makes from() ask for the host name, which may wait on DNS.
    return yaml.compose(settings -> vertx.executeBlocking(() -> from(settings, env)));
  }

  /** {@code yaml} (the file's settings; null or empty: none) with {@code env}'s over them, validated. */
  public static DaemonConfig from(JsonObject yaml, Map<String, String> env) {
    Map<String, Value> values = new HashMap<>();
    Map<String, Value> properties = new TreeMap<>();
    ConfigFile.readSection(yaml == null ? new JsonObject() : yaml, "", values, properties);
    EnvOverrides.apply(env, values, properties);

    Map<String, String> kafkaProperties = new TreeMap<>(Settings.DEFAULT_PROPERTIES);
    properties.forEach((name, value) -> kafkaProperties.put(name, value.text()));
    if (kafkaProperties.get(Settings.BOOTSTRAP_SERVERS).isBlank()) {
      Value given = properties.get(Settings.BOOTSTRAP_SERVERS);
      throw new ConfigError(given.label(Settings.PROPERTIES + "." + Settings.BOOTSTRAP_SERVERS) + ": must be set");
    }
    DaemonConfig.Kafka kafka = new DaemonConfig.Kafka(kafkaProperties, topics(values), get(Settings.GROUP_ID, values),
        get(Settings.PARTITIONS, values), get(Settings.REPLICATION_FACTOR, values));
    // Eviction backoff is not a setting of the file (yet): the engine's default.
    EngineConfig engine = new EngineConfig(get(Settings.DRAIN_TIMEOUT, values), get(Settings.CONFIRM_TIMEOUT, values),
        get(Settings.MAX_NODES_IN_MAINTENANCE, values), get(Settings.ON_FAILURE, values), Backoff.defaults(),
        get(Settings.KUBE_WORKERS, values), get(Settings.RELIST_PERIOD, values));
    DaemonConfig.Tickets tickets = new DaemonConfig.Tickets(get(Settings.MAX_BYTES, values), get(Settings.TICK, values),
        get(Settings.RETENTION, values));
    String instance = get(Settings.INSTANCE, values);
    TriggerConfig.Http http = new TriggerConfig.Http(get(Settings.HTTP_HOST, values), get(Settings.HTTP_PORT, values),
        get(Settings.HTTP_MAX_BODY_BYTES, values), secret(Settings.HTTP_API_TOKEN, Settings.HTTP_API_TOKEN_FILE, values));
    TriggerConfig.Slack slack = new TriggerConfig.Slack(
        secret(Settings.SLACK_SIGNING_SECRET, Settings.SLACK_SIGNING_SECRET_FILE, values),
        Set.copyOf(get(Settings.SLACK_ALLOWED_USERS, values)), Set.copyOf(get(Settings.SLACK_ALLOWED_CHANNELS, values)),
        get(Settings.SLACK_WEBHOOK_URL, values));
    TriggerConfig.Alertmanager alertmanager = new TriggerConfig.Alertmanager(
        Set.copyOf(get(Settings.ALERT_NAMES, values)), get(Settings.ALERT_NODE_LABELS, values),
        get(Settings.ALERT_ACTION, values));
    TriggerConfig.Gate gate = new TriggerConfig.Gate(get(Settings.GATE_PROMETHEUS_URL, values),
        get(Settings.GATE_ALERTS, values), get(Settings.GATE_INTERVAL, values));
    return new DaemonConfig(kafka, engine, tickets, instance.isEmpty() ? hostName(env) : instance, http, slack,
        alertmanager, gate, deadNodes(values), leader(values, env), get(Settings.LOG_FORMAT, values));
  }

  /**
   * Leader election's settings. The renewal must give up well before the Lease runs out (a leader that stopped
   * renewing must have stopped acting before another replica may start), and be tried more than once meanwhile.
   */
  private static DaemonConfig.Leader leader(Map<String, Value> values, Map<String, String> env) {
    String namespace = get(Settings.LEADER_NAMESPACE, values);
    DaemonConfig.Leader l = new DaemonConfig.Leader(get(Settings.LEADER_ENABLED, values),
        namespace.isBlank() ? podNamespace(env) : namespace, get(Settings.LEADER_LEASE_NAME, values),
        get(Settings.LEADER_LEASE_DURATION, values), get(Settings.LEADER_RENEW_DEADLINE, values),
        get(Settings.LEADER_RETRY_PERIOD, values));
    if (l.renewDeadline().compareTo(l.leaseDuration()) >= 0) {
      throw new ConfigError(label(Settings.LEADER_RENEW_DEADLINE, values) + ": must be shorter than "
          + label(Settings.LEADER_LEASE_DURATION, values));
    }
    // fabric8's elector asks for more than retryPeriod × 2.2 (its jitter): at least two tries before the deadline.
    if (l.renewDeadline().toMillis() <= l.retryPeriod().toMillis() * 22 / 10) {
      throw new ConfigError(label(Settings.LEADER_RETRY_PERIOD, values) + ": must be less than "
          + label(Settings.LEADER_RENEW_DEADLINE, values) + " / 2.2");
    }
    return l;
  }

  /** The dead-node settings; automatic recovery without a fencing hook is refused here, at start. */
  private static DaemonConfig.DeadNodes deadNodes(Map<String, Value> values) {
    RecoveryConfig recovery = new RecoveryConfig(get(Settings.DEAD_NODES_POLICY, values),
        get(Settings.DEAD_NODES_AUTOMATIC, values), get(Settings.DEAD_NODES_MANUAL, values),
        get(Settings.DEAD_NODES_RECOVER_AFTER, values), get(Settings.DEAD_NODES_MAX_DOWN_SHARE, values),
        get(Settings.DEAD_NODES_OUT_OF_SERVICE_TAINT, values), get(Settings.DEAD_NODES_POD_GC_WAIT, values));
    DaemonConfig.Fencing fencing = new DaemonConfig.Fencing(get(Settings.FENCING_URL, values),
        secret(Settings.FENCING_TOKEN, Settings.FENCING_TOKEN_FILE, values), get(Settings.FENCING_COMMAND, values),
        get(Settings.FENCING_TIMEOUT, values));
    if (!fencing.url().isBlank() && !fencing.command().isEmpty()) {
      throw new ConfigError(label(Settings.FENCING_URL, values) + " and " + label(Settings.FENCING_COMMAND, values)
          + ": both set; set only one fencing hook");
    }
    if (recovery.anyAutomatic() && !fencing.configured()) {
      Settings.Setting<?> which = recovery.defaultPolicy() == RecoveryConfig.Policy.AUTOMATIC
          ? Settings.DEAD_NODES_POLICY : Settings.DEAD_NODES_AUTOMATIC;
      throw new ConfigError(label(which, values) + ": automatic recovery needs a fencing hook (deadNodes.fencing.url"
          + " or deadNodes.fencing.command) to power a node off first; without one, use manual");
    }
    return new DaemonConfig.DeadNodes(get(Settings.DEAD_NODES_GRACE, values), recovery, fencing);
  }

  /**
   * A secret given as a value (best from the environment, out of a Kubernetes Secret) or as a file (a mounted
   * Secret), not both. The file is read here, once: its content never appears in an error, only its path.
   */
  private static String secret(Settings.Setting<String> value, Settings.Setting<String> file, Map<String, Value> values) {
    String given = get(value, values).trim();
    String path = get(file, values).trim();
    if (path.isEmpty()) {
      return given;
    }
    if (!given.isEmpty()) {
      throw new ConfigError(label(value, values) + " and " + label(file, values) + ": both set; set only one");
    }
    try {
      String read = java.nio.file.Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
      if (read.isEmpty()) {
        throw new ConfigError(label(file, values) + ": " + path + " is empty");
      }
      return read;
    } catch (IOException | java.io.UncheckedIOException | java.nio.file.InvalidPathException e) {
      throw new ConfigError(label(file, values) + ": could not read " + path + " ("
          + e.getClass().getSimpleName().replace("Exception", "") + ")");
    }
  }

  private static String label(Settings.Setting<?> setting, Map<String, Value> values) {
    Value v = values.get(setting.key());
    return v == null ? setting.key() : v.label(setting.key());
  }

  private static <T> T get(Settings.Setting<T> setting, Map<String, Value> values) {
    Value value = values.get(setting.key());
    if (value == null) {
      return setting.defaultValue();
    }
    try {
      return setting.parser().parse(value.text().trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigError(value.label(setting.key()) + ": " + e.getMessage());
    }
  }

  private static DaemonConfig.Topics topics(Map<String, Value> values) {
    List<Settings.Setting<String>> settings = List.of(Settings.TICKETS_TOPIC, Settings.EVENTS_TOPIC,
        Settings.DEAD_LETTERS_TOPIC, Settings.STATE_TOPIC);
    Map<String, String> keyOfTopic = new HashMap<>();
    for (Settings.Setting<String> setting : settings) {
      String topic = get(setting, values);
      String other = keyOfTopic.putIfAbsent(topic, setting.key());
      if (other != null) {
        Value value = values.get(setting.key());
        String label = value == null ? setting.key() : value.label(setting.key());
        throw new ConfigError(label + ": '" + topic + "' is already " + other + "; each topic needs its own name");
      }
    }
    return new DaemonConfig.Topics(get(Settings.TICKETS_TOPIC, values), get(Settings.EVENTS_TOPIC, values),
        get(Settings.DEAD_LETTERS_TOPIC, values), get(Settings.STATE_TOPIC, values));
  }

  /**
   * The pod's namespace: POD_NAMESPACE (the chart sets it from the downward API), else the service account's; "" when
   * neither (not in a pod: the kubeconfig's namespace is used).
   */
  private static String podNamespace(Map<String, String> env) {
    String ns = env.get("POD_NAMESPACE");
    if (ns != null && !ns.isBlank()) {
      return ns.trim();
    }
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(
          "/var/run/secrets/kubernetes.io/serviceaccount/namespace")).trim();
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
  }

  private static String hostName(Map<String, String> env) {
    String host = env.get("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "takeover";
    }
  }
}
