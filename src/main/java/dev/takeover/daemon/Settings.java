package dev.takeover.daemon;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.FailurePolicy;
import dev.takeover.config.NodeLabelSelector;
import dev.takeover.config.RecoveryConfig;

import static dev.takeover.daemon.SettingParsers.atLeast;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings of {@code config/takeover.yaml}, one typed {@link Setting} each (key, default, parser), as Strimzi's
 * ClusterOperatorConfig has one ConfigParameter per setting. {@code kafka.properties} is not in the table: it is an
 * open map of Kafka client properties, read by {@link DaemonConfigLoader}. The parsers are in {@link SettingParsers}.
 */
final class Settings {
  /** Reads a setting's text, or throws an IllegalArgumentException whose message is the problem (without the key). */
  interface Parser<T> {
    T parse(String text);
  }

  /** One setting: its key in the file, its default when neither the file nor the environment sets it, its parser. */
  record Setting<T>(String key, T defaultValue, Parser<T> parser) {
    String envName() {
      return Settings.envName(key);
    }
  }

  static final String PROPERTIES = "kafka.properties";
  static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  static final Map<String, String> DEFAULT_PROPERTIES = Map.of(BOOTSTRAP_SERVERS, "localhost:9092");
  /** Keys whose value is a mapping of further keys. */
  static final Set<String> SECTIONS = Set.of("daemon", "kafka", "kafka.topics", "engine", "tickets", "http", "slack",
      "alertmanager", "gate", "deadNodes", "deadNodes.fencing", "leaderElection",
      "log");

  private static final EngineConfig ENGINE = EngineConfig.defaults();

  static final Setting<String> INSTANCE = new Setting<>("daemon.instance", "", SettingParsers::instance);
  static final Setting<String> TICKETS_TOPIC =
      new Setting<>("kafka.topics.tickets", "takeover.tickets", SettingParsers::topic);
  static final Setting<String> EVENTS_TOPIC =
      new Setting<>("kafka.topics.events", "takeover.events", SettingParsers::topic);
  static final Setting<String> DEAD_LETTERS_TOPIC =
      new Setting<>("kafka.topics.deadLetters", "takeover.tickets.dlq", SettingParsers::topic);
  static final Setting<String> STATE_TOPIC =
      new Setting<>("kafka.topics.state", "takeover.state", SettingParsers::topic);
  static final Setting<String> GROUP_ID = new Setting<>("kafka.groupId", "takeover", SettingParsers::required);
  static final Setting<Integer> PARTITIONS = new Setting<>("kafka.partitions", 3, atLeast(1));
  static final Setting<Short> REPLICATION_FACTOR = new Setting<>("kafka.replicationFactor", (short) -1,
      SettingParsers::replicationFactor);
  static final Setting<Integer> MAX_NODES_IN_MAINTENANCE = new Setting<>("engine.maxNodesInMaintenance",
      ENGINE.maxNodesInMaintenance(), atLeast(1));
  static final Setting<Duration> DRAIN_TIMEOUT = new Setting<>("engine.drainTimeout", ENGINE.drainTimeout(),
      SettingParsers::positiveDuration);
  static final Setting<Duration> CONFIRM_TIMEOUT = new Setting<>("engine.confirmTimeout", ENGINE.confirmTimeout(),
      SettingParsers::positiveDuration);
  static final Setting<FailurePolicy> ON_FAILURE = new Setting<>("engine.onFailure", ENGINE.onFailure(),
      SettingParsers::failurePolicy);
  static final Setting<Duration> RELIST_PERIOD = new Setting<>("engine.relistPeriod", ENGINE.relistPeriod(),
      SettingParsers::positiveDuration);
  static final Setting<Integer> KUBE_WORKERS = new Setting<>("engine.kubeWorkers", ENGINE.kubeWorkers(), atLeast(1));
  static final Setting<Integer> MAX_BYTES = new Setting<>("tickets.maxBytes", 65536, atLeast(1));
  static final Setting<Duration> TICK =
      new Setting<>("tickets.tick", Duration.ofSeconds(1), SettingParsers::positiveDuration);
  static final Setting<Duration> RETENTION = new Setting<>("tickets.retention", DaemonConfig.Tickets.RETENTION,
      SettingParsers::positiveDuration);

  static final Setting<String> HTTP_HOST = new Setting<>("http.host", "0.0.0.0", SettingParsers::required);
  static final Setting<Integer> HTTP_PORT = new Setting<>("http.port", 8080, SettingParsers::port);
  static final Setting<Integer> HTTP_MAX_BODY_BYTES = new Setting<>("http.maxBodyBytes", 65536, atLeast(1024));
  static final Setting<String> HTTP_API_TOKEN = new Setting<>("http.apiToken", "", text -> text);
  static final Setting<String> HTTP_API_TOKEN_FILE = new Setting<>("http.apiTokenFile", "", text -> text);
  static final Setting<String> SLACK_SIGNING_SECRET = new Setting<>("slack.signingSecret", "", text -> text);
  static final Setting<String> SLACK_SIGNING_SECRET_FILE = new Setting<>("slack.signingSecretFile", "", text -> text);
  static final Setting<List<String>> SLACK_ALLOWED_USERS =
      new Setting<>("slack.allowedUsers", List.of(), SettingParsers::list);
  static final Setting<List<String>> SLACK_ALLOWED_CHANNELS =
      new Setting<>("slack.allowedChannels", List.of(), SettingParsers::list);
  static final Setting<String> SLACK_WEBHOOK_URL = new Setting<>("slack.webhookUrl", "", SettingParsers::urlOrEmpty);
  static final Setting<List<String>> ALERT_NAMES = new Setting<>("alertmanager.alertNames",
      List.of("NodeMaintenanceRequired"), SettingParsers::list);
  static final Setting<List<String>> ALERT_NODE_LABELS = new Setting<>("alertmanager.nodeLabels",
      List.of("node", "instance"), SettingParsers::list);
  static final Setting<String> ALERT_ACTION =
      new Setting<>("alertmanager.action", "takeover", SettingParsers::alertAction);
  static final Setting<String> GATE_PROMETHEUS_URL =
      new Setting<>("gate.prometheusUrl", "", SettingParsers::urlOrEmpty);
  static final Setting<String> GATE_ALERTS = new Setting<>("gate.alerts", ".*", SettingParsers::regex);
  static final Setting<Duration> GATE_INTERVAL = new Setting<>("gate.interval", Duration.ofMinutes(1),
      SettingParsers::positiveDuration);
  static final Setting<Duration> DEAD_NODES_GRACE = new Setting<>("deadNodes.grace",
      DaemonConfig.DeadNodes.defaults().grace(), SettingParsers::positiveDuration);
  private static final RecoveryConfig RECOVERY = RecoveryConfig.defaults();
  static final Setting<RecoveryConfig.Policy> DEAD_NODES_POLICY = new Setting<>("deadNodes.policy",
      RECOVERY.defaultPolicy(), RecoveryConfig.Policy::parse);
  static final Setting<NodeLabelSelector> DEAD_NODES_AUTOMATIC = new Setting<>("deadNodes.automatic",
      NodeLabelSelector.NONE, NodeLabelSelector::parse);
  static final Setting<NodeLabelSelector> DEAD_NODES_MANUAL = new Setting<>("deadNodes.manual",
      NodeLabelSelector.NONE, NodeLabelSelector::parse);
  static final Setting<Duration> DEAD_NODES_RECOVER_AFTER = new Setting<>("deadNodes.recoverAfter",
      RECOVERY.recoverAfter(), SettingParsers::positiveDuration);
  static final Setting<Double> DEAD_NODES_MAX_DOWN_SHARE = new Setting<>("deadNodes.maxDownShare",
      RECOVERY.maxDownShare(), SettingParsers::share);
  static final Setting<Boolean> DEAD_NODES_OUT_OF_SERVICE_TAINT = new Setting<>("deadNodes.outOfServiceTaint",
      RECOVERY.outOfServiceTaint(), SettingParsers::bool);
  static final Setting<Duration> DEAD_NODES_POD_GC_WAIT = new Setting<>("deadNodes.podGcWait",
      RECOVERY.podGcWait(), SettingParsers::positiveDuration);
  private static final DaemonConfig.Leader LEADER = DaemonConfig.Leader.defaults();
  static final Setting<Boolean> LEADER_ENABLED =
      new Setting<>("leaderElection.enabled", LEADER.enabled(), SettingParsers::bool);
  static final Setting<String> LEADER_NAMESPACE = new Setting<>("leaderElection.namespace", "", text -> text);
  static final Setting<String> LEADER_LEASE_NAME = new Setting<>("leaderElection.leaseName", LEADER.leaseName(),
      SettingParsers::required);
  static final Setting<Duration> LEADER_LEASE_DURATION = new Setting<>("leaderElection.leaseDuration",
      LEADER.leaseDuration(), SettingParsers::positiveDuration);
  static final Setting<Duration> LEADER_RENEW_DEADLINE = new Setting<>("leaderElection.renewDeadline",
      LEADER.renewDeadline(), SettingParsers::positiveDuration);
  static final Setting<Duration> LEADER_RETRY_PERIOD = new Setting<>("leaderElection.retryPeriod",
      LEADER.retryPeriod(), SettingParsers::positiveDuration);
  static final Setting<String> FENCING_URL = new Setting<>("deadNodes.fencing.url", "", SettingParsers::urlOrEmpty);
  static final Setting<String> FENCING_TOKEN = new Setting<>("deadNodes.fencing.token", "", text -> text);
  static final Setting<String> FENCING_TOKEN_FILE = new Setting<>("deadNodes.fencing.tokenFile", "", text -> text);
  static final Setting<List<String>> FENCING_COMMAND = new Setting<>("deadNodes.fencing.command", List.of(),
      SettingParsers::list);
  static final Setting<Duration> FENCING_TIMEOUT = new Setting<>("deadNodes.fencing.timeout",
      DaemonConfig.Fencing.NONE.timeout(), SettingParsers::positiveDuration);

  static final Setting<dev.takeover.logs.LogFormat> LOG_FORMAT = new Setting<>("log.format",
      dev.takeover.logs.LogFormat.JSON, dev.takeover.logs.LogFormat::parse);

  /** Settings whose value may be a YAML list (or, in the file or the environment, one comma-separated line). */
  static final Set<String> LISTS = Set.of(SLACK_ALLOWED_USERS.key(), SLACK_ALLOWED_CHANNELS.key(), ALERT_NAMES.key(),
      ALERT_NODE_LABELS.key(), FENCING_COMMAND.key());
  /** Settings whose value is a secret: never shown in an error. */
  static final Set<String> SECRETS = Set.of(HTTP_API_TOKEN.key(), SLACK_SIGNING_SECRET.key(), SLACK_WEBHOOK_URL.key(),
      FENCING_URL.key(), FENCING_TOKEN.key());

  static final List<Setting<?>> ALL = List.of(INSTANCE, TICKETS_TOPIC, EVENTS_TOPIC, DEAD_LETTERS_TOPIC, STATE_TOPIC,
      GROUP_ID, PARTITIONS, REPLICATION_FACTOR, MAX_NODES_IN_MAINTENANCE, DRAIN_TIMEOUT, CONFIRM_TIMEOUT, ON_FAILURE,
      RELIST_PERIOD, KUBE_WORKERS, MAX_BYTES, TICK, RETENTION, HTTP_HOST, HTTP_PORT, HTTP_MAX_BODY_BYTES, HTTP_API_TOKEN,
      HTTP_API_TOKEN_FILE, SLACK_SIGNING_SECRET, SLACK_SIGNING_SECRET_FILE, SLACK_ALLOWED_USERS, SLACK_ALLOWED_CHANNELS,
      SLACK_WEBHOOK_URL, ALERT_NAMES, ALERT_NODE_LABELS, ALERT_ACTION, GATE_PROMETHEUS_URL, GATE_ALERTS, GATE_INTERVAL,
      DEAD_NODES_GRACE, DEAD_NODES_POLICY, DEAD_NODES_AUTOMATIC, DEAD_NODES_MANUAL, DEAD_NODES_RECOVER_AFTER,
      DEAD_NODES_MAX_DOWN_SHARE, DEAD_NODES_OUT_OF_SERVICE_TAINT, DEAD_NODES_POD_GC_WAIT, FENCING_URL, FENCING_TOKEN,
      FENCING_TOKEN_FILE, FENCING_COMMAND, FENCING_TIMEOUT, LEADER_ENABLED, LEADER_NAMESPACE, LEADER_LEASE_NAME,
      LEADER_LEASE_DURATION, LEADER_RENEW_DEADLINE, LEADER_RETRY_PERIOD, LOG_FORMAT);

  private Settings() {}

  /** {@code engine.maxNodesInMaintenance} → {@code TAKEOVER_ENGINE_MAX_NODES_IN_MAINTENANCE}. */
  static String envName(String key) {
    StringBuilder name = new StringBuilder("TAKEOVER_");
    for (char c : key.toCharArray()) {
      if (c == '.') {
        name.append('_');
      } else if (Character.isUpperCase(c)) {
        name.append('_').append(c);
      } else {
        name.append(Character.toUpperCase(c));
      }
    }
    return name.toString();
  }

  static Setting<?> byKey(String key) {
    return ALL.stream().filter(s -> s.key().equals(key)).findFirst().orElse(null);
  }

  /** The candidate nearest to {@code wrong} (ignoring case), if it is near enough to be what was meant; else null. */
  static String closest(String wrong, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(wrong.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, wrong.length() / 5) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int change = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + change);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
