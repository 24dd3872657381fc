package dev.takeover.daemon;

import dev.takeover.config.EngineConfig;
import dev.takeover.logs.LogFormat;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every setting of the daemon, read once at start from {@code config/takeover.yaml} and the environment
 * ({@link DaemonConfigLoader}), then passed in. The YAML keys are a public contract (README, "Configuration").
 *
 * @param kafka     the broker and topics
 * @param engine    the engine's settings ({@code engine.*})
 * @param tickets   limits on incoming tickets ({@code tickets.*})
 * @param instance  this daemon's name: the CloudEvents {@code source} is {@code /takeover/<instance>}
 *                  ({@code daemon.instance}, default the host name)
 * @param http, slack, alertmanager, gate the other inputs ({@link TriggerConfig})
 * @param deadNodes the detection of nodes that stopped ({@code deadNodes.*})
 * @param leader    leader election ({@code leaderElection.*})
 * @param logFormat how the log lines look ({@code log.format}, default json)
 */
public record DaemonConfig(Kafka kafka, EngineConfig engine, Tickets tickets, String instance,
                           TriggerConfig.Http http, TriggerConfig.Slack slack, TriggerConfig.Alertmanager alertmanager,
                           TriggerConfig.Gate gate, DeadNodes deadNodes, Leader leader, LogFormat logFormat) {

  /** Every setting but the log's format, which is json. */
  public DaemonConfig(Kafka kafka, EngineConfig engine, Tickets tickets, String instance, TriggerConfig.Http http,
                      TriggerConfig.Slack slack, TriggerConfig.Alertmanager alertmanager, TriggerConfig.Gate gate,
                      DeadNodes deadNodes, Leader leader) {
    this(kafka, engine, tickets, instance, http, slack, alertmanager, gate, deadNodes, leader, LogFormat.JSON);
  }

  /** Every input and the dead-node detection, leader election with its defaults. */
  public DaemonConfig(Kafka kafka, EngineConfig engine, Tickets tickets, String instance, TriggerConfig.Http http,
                      TriggerConfig.Slack slack, TriggerConfig.Alertmanager alertmanager, TriggerConfig.Gate gate,
                      DeadNodes deadNodes) {
    this(kafka, engine, tickets, instance, http, slack, alertmanager, gate, deadNodes, Leader.defaults());
  }

  /** Every input, the dead-node detection with its defaults. */
  public DaemonConfig(Kafka kafka, EngineConfig engine, Tickets tickets, String instance, TriggerConfig.Http http,
                      TriggerConfig.Slack slack, TriggerConfig.Alertmanager alertmanager, TriggerConfig.Gate gate) {
    this(kafka, engine, tickets, instance, http, slack, alertmanager, gate, DeadNodes.defaults());
  }

  /**
   * Kafka and the engine only (tests, the demo, benchmarks): the HTTP server on a free port of 127.0.0.1, the API,
   * Slack and the gate off.
   */
  public DaemonConfig(Kafka kafka, EngineConfig engine, Tickets tickets, String instance) {
    this(kafka, engine, tickets, instance, new TriggerConfig.Http("127.0.0.1", 0, 65536, ""), TriggerConfig.Slack.defaults(),
        TriggerConfig.Alertmanager.defaults(), TriggerConfig.Gate.defaults());
  }

  public DaemonConfig withHttp(TriggerConfig.Http h) {
    return new DaemonConfig(kafka, engine, tickets, instance, h, slack, alertmanager, gate, deadNodes, leader,
        logFormat);
  }

  public DaemonConfig withSlack(TriggerConfig.Slack s) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, s, alertmanager, gate, deadNodes, leader,
        logFormat);
  }

  public DaemonConfig withAlertmanager(TriggerConfig.Alertmanager a) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, slack, a, gate, deadNodes, leader, logFormat);
  }

  public DaemonConfig withGate(TriggerConfig.Gate g) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, slack, alertmanager, g, deadNodes, leader,
        logFormat);
  }

  public DaemonConfig withLeader(Leader l) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, slack, alertmanager, gate, deadNodes, l, logFormat);
  }

  public DaemonConfig withLogFormat(LogFormat f) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, slack, alertmanager, gate, deadNodes, leader, f);
  }

  public DaemonConfig withEngine(EngineConfig e) {
    return new DaemonConfig(kafka, e, tickets, instance, http, slack, alertmanager, gate, deadNodes, leader, logFormat);
  }

  public DaemonConfig withInstance(String i) {
    return new DaemonConfig(kafka, engine, tickets, i, http, slack, alertmanager, gate, deadNodes, leader, logFormat);
  }

  /**
   * Leader election ({@code leaderElection.*}): of the replicas, only the one holding the Lease reads tickets,
   * schedules and runs them; every replica serves HTTP, Slack and Alertmanager, which only publish tickets.
   *
   * @param enabled       off: this process acts alone, as if always the leader (one replica, a test)
   * @param namespace     where the Lease is; empty: the pod's (POD_NAMESPACE, else the service account's, else the
   *                      kubeconfig's)
   * @param leaseName     the Lease's name ({@code takeover})
   * @param leaseDuration how long a leader's Lease lasts unrenewed before another replica may take it (PT15S)
   * @param renewDeadline how long the leader tries to renew before it gives up leading (PT10S): shorter than the
   *                      duration, so that it has stopped acting before another may start
   * @param retryPeriod   how often a replica tries to take or renew the Lease (PT2S)
   */
  public record Leader(boolean enabled, String namespace, String leaseName, Duration leaseDuration,
                       Duration renewDeadline, Duration retryPeriod) {
    public static Leader defaults() {
      return new Leader(true, "", "takeover", Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    /** The same, on shorter timing (tests of a failover). */
    public Leader withTiming(Duration lease, Duration renew, Duration retry) {
      return new Leader(enabled, namespace, leaseName, lease, renew, retry);
    }

    public Leader off() {
      return new Leader(false, namespace, leaseName, leaseDuration, renewDeadline, retryPeriod);
    }
  }

  public DaemonConfig withDeadNodes(DeadNodes d) {
    return new DaemonConfig(kafka, engine, tickets, instance, http, slack, alertmanager, gate, d, leader, logFormat);
  }

  /**
   * @param grace    how long a node may be not Ready, its Lease not renewed, before its StatefulSet pods are reported
   *                 stuck ({@code deadNodes.grace}, default PT5M: the pods' default 300 s toleration of the unreachable
   *                 taint, after which they show Terminating)
   * @param recovery what may be done about it ({@code deadNodes.policy}, {@code .automatic}, {@code .manual},
   *                 {@code .recoverAfter}, {@code .maxDownShare}, {@code .outOfServiceTaint}, {@code .podGcWait})
   * @param fencing  the hook that powers a node off before it is recovered ({@code deadNodes.fencing.*})
   */
  public record DeadNodes(java.time.Duration grace, dev.takeover.config.RecoveryConfig recovery, Fencing fencing) {
    public DeadNodes(java.time.Duration grace) {
      this(grace, dev.takeover.config.RecoveryConfig.defaults(), Fencing.NONE);
    }

    public static DeadNodes defaults() {
      return new DeadNodes(java.time.Duration.ofMinutes(5));
    }

    public DeadNodes withRecovery(dev.takeover.config.RecoveryConfig r) {
      return new DeadNodes(grace, r, fencing);
    }

    public DeadNodes withFencing(Fencing f) {
      return new DeadNodes(grace, recovery, f);
    }
  }

  /**
   * The fencing hook: one of an HTTP call and a command, or none.
   *
   * @param url     POSTed {@code {"node", "ticket", "reason"}} as JSON; a 2xx answer means the node is off
   *                ({@code deadNodes.fencing.url}; a secret: it may carry credentials)
   * @param token   sent as {@code Authorization: Bearer} to the URL ({@code deadNodes.fencing.token} or
   *                {@code .tokenFile}); empty: none
   * @param command run with {@code {node}} in its arguments replaced by the node's name (and the environment
   *                TAKEOVER_NODE, TAKEOVER_TICKET); exit 0 means the node is off ({@code deadNodes.fencing.command})
   * @param timeout how long the hook may take before it counts as failed ({@code deadNodes.fencing.timeout}, PT2M)
   */
  public record Fencing(String url, String token, List<String> command, Duration timeout) {
    public static final Fencing NONE = new Fencing("", "", List.of(), Duration.ofMinutes(2));

    public Fencing {
      command = List.copyOf(command);
    }

    public boolean configured() {
      return !url.isBlank() || !command.isEmpty();
    }

    /**
     * Without the URL, the token or the command's arguments, which must never be shown (an argument may be a
     * password: the fencing hook names a command by its program only, for the same reason).
     */
    @Override
    public String toString() {
      return "Fencing[url=" + (url.isBlank() ? "" : "[redacted]") + ", token=" + (token.isBlank() ? "" : "[redacted]")
          + ", command=" + (command.isEmpty() ? "[]" : "[" + command.get(0) + (command.size() > 1
          ? ", [" + (command.size() - 1) + " argument(s) redacted]" : "") + "]") + ", timeout=" + timeout + "]";
    }
  }

  /**
   * @param properties        any Kafka client property, passed through ({@code kafka.properties.*})
   * @param topics            topic names ({@code kafka.topics.*})
   * @param groupId           the consumer group of the ticket intake ({@code kafka.groupId})
   * @param partitions        partitions of the topics the daemon creates ({@code kafka.partitions}, default 3)
   * @param replicationFactor replication of the topics the daemon creates ({@code kafka.replicationFactor}, default
   *                          -1: the broker's default)
   */
  public record Kafka(Map<String, String> properties, Topics topics, String groupId, int partitions,
                      short replicationFactor) {

    /** What a property's value is replaced with in {@link #redacted()}. */
    public static final String REDACTED = "[redacted]";
    private static final List<String> SECRET_WORDS = List.of("password", "jaas", "secret", "token", "key", "credential");
    private static final Set<String> KAFKA_PASSWORDS = kafkaPasswords();

    public Kafka {
      // Sorted, so that the logged view reads the same from one start to the next.
      properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /**
     * Whether a property's value must never be shown: its name has password, jaas, secret, token, key or credential,
     * or the Kafka clients themselves hide it (type PASSWORD: ssl.truststore.certificates has none of those words).
     */
    public static boolean isSecret(String propertyName) {
      String name = propertyName.toLowerCase(Locale.ROOT);
      return SECRET_WORDS.stream().anyMatch(name::contains) || KAFKA_PASSWORDS.contains(name);
    }

    private static Set<String> kafkaPasswords() {
      Set<String> names = new HashSet<>();
      for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
        def.configKeys().forEach((name, key) -> {
          if (key.type == ConfigDef.Type.PASSWORD) {
            names.add(name);
          }
        });
      }
      return Set.copyOf(names);
    }

    /**
     * The properties of a producer whose every send is awaited and must not be lost: the operator's properties, then
     * defaults they did not set ({@code linger.ms} 0, since each send is awaited and Kafka 4's 5 ms linger would only
     * add 5 ms to each; {@code delivery.timeout.ms} as given; 10 s for a request and for a blocked send), then what
     * durability needs, whatever was set ({@code acks=all}, idempotence, a String key, {@code valueSerializer}).
     */
    public Map<String, String> durableProducer(Class<?> valueSerializer, Duration deliveryTimeout) {
      Map<String, String> props = new java.util.HashMap<>();
      props.put("linger.ms", "0");
      props.put("delivery.timeout.ms", Long.toString(deliveryTimeout.toMillis()));
      props.put("request.timeout.ms", "10000");
      props.put("max.block.ms", "10000");
      props.putAll(properties);
      props.put("acks", "all");
      props.put("enable.idempotence", "true");
      props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
      props.put("value.serializer", valueSerializer.getName());
      return props;
    }

    /** The properties as they may be logged: the value of every secret one is {@value #REDACTED}. */
    public Map<String, String> redacted() {
      Map<String, String> shown = new TreeMap<>();
      properties.forEach((name, value) -> shown.put(name, isSecret(name) ? REDACTED : value));
      return Collections.unmodifiableMap(shown);
    }

    /** The record's usual text, with the secrets {@link #redacted()}: a config may be logged whole. */
    @Override
    public String toString() {
      return "Kafka[properties=" + redacted() + ", topics=" + topics + ", groupId=" + groupId + ", partitions="
          + partitions + ", replicationFactor=" + replicationFactor + "]";
    }
  }

  public record Topics(String tickets, String events, String deadLetters, String state) {}

  /**
   * @param maxBytes largest ticket value taken; larger ones go to the dead letters as {@code too-large}
   *                 ({@code tickets.maxBytes}, default 65536)
   * @param tick     how often the scheduler looks at windows and limits ({@code tickets.tick}, default PT1S)
   * @param retention how long an ended ticket is remembered (its duplicates known, its state answered) before it is
   *                  forgotten and tombstoned in the state topic ({@code tickets.retention}, default P30D)
   */
  public record Tickets(int maxBytes, Duration tick, Duration retention) {
    public static final Duration RETENTION = Duration.ofDays(30);

    public Tickets(int maxBytes, Duration tick) {
      this(maxBytes, tick, RETENTION);
    }
  }
}
