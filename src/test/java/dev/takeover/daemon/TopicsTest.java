package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's four topics on a real broker: created when missing (the state topic compacted), left as they are
 * when they exist, and a start refused with one line when the state topic would lose tickets to retention or the
 * broker cannot be reached.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TopicsTest {
  static Vertx vertx;
  static Admin admin;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    admin = Admin.create(Map.of("bootstrap.servers", TestBroker.bootstrap()));
  }

  @AfterAll
  static void stop() {
    admin.close(Duration.ofSeconds(5));
    vertx.close().await();
  }

  /** A config of topics of this test's own ({@code <prefix>.tickets}…), on {@code bootstrap}. */
  static DaemonConfig config(String prefix, String bootstrap, int partitions, Map<String, String> properties) {
    JsonObject props = new JsonObject().put("bootstrap.servers", bootstrap);
    properties.forEach(props::put);
    return DaemonConfigLoader.from(new JsonObject().put("kafka", new JsonObject()
        .put("properties", props)
        .put("partitions", partitions)
        .put("topics", new JsonObject().put("tickets", prefix + ".tickets").put("events", prefix + ".events")
            .put("deadLetters", prefix + ".dlq").put("state", prefix + ".state"))), Map.of("HOSTNAME", "topics-test"));
  }

  static DaemonConfig config(String prefix) {
    return config(prefix, TestBroker.bootstrap(), 2, Map.of());
  }

  static List<String> names(DaemonConfig c) {
    DaemonConfig.Topics t = c.kafka().topics();
    return List.of(t.tickets(), t.events(), t.deadLetters(), t.state());
  }

  static Map<String, TopicDescription> describe(List<String> topics) throws Exception {
    return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
  }

  static Config configOf(String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS).get(r);
  }

  static Set<String> existing() throws Exception {
    return admin.listTopics().names().get(10, TimeUnit.SECONDS);
  }

  static void create(String topic, int partitions, Map<String, String> configs) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all()
        .get(10, TimeUnit.SECONDS);
  }

  /** The failure of {@code ensure}, checked to be one line without a stack trace. */
  static Topics.TopicsError failure(Future<Void> ensure, long seconds) {
    Throwable t = assertThrows(Throwable.class, () -> ensure.await(seconds, TimeUnit.SECONDS));
    Topics.TopicsError e = assertInstanceOf(Topics.TopicsError.class, t, () -> "not a TopicsError: " + t);
    DaemonConfigLoaderTest.assertOneLine(e.getMessage());
    assertEquals(0, e.getStackTrace().length);
    return e;
  }

  @Test
  void missing_topics_are_created_with_the_configured_partitions_and_the_state_topic_compacted() throws Exception {
    DaemonConfig c = config(TestBroker.unique("create"));
    Topics.ensure(vertx, c).await(30, TimeUnit.SECONDS);

    Map<String, TopicDescription> topics = describe(names(c));
    for (String name : names(c)) {
      assertEquals(2, topics.get(name).partitions().size(), name);
    }
    DaemonConfig.Topics t = c.kafka().topics();
    assertEquals("compact", configOf(t.state()).get("cleanup.policy").value());
    assertEquals("delete", configOf(t.events()).get("cleanup.policy").value(), "only the state topic is compacted");
    // Room for a 2 MB poison ticket to reach the dead letters unchanged.
    assertEquals(Topics.MAX_MESSAGE_BYTES, configOf(t.tickets()).get("max.message.bytes").value());
    assertEquals(Topics.MAX_MESSAGE_BYTES, configOf(t.deadLetters()).get("max.message.bytes").value());
  }

  @Test
  void topics_that_exist_are_left_as_they_are_and_only_the_missing_ones_are_created() throws Exception {
    DaemonConfig c = config(TestBroker.unique("exist"));
    DaemonConfig.Topics t = c.kafka().topics();
    create(t.tickets(), 1, Map.of("retention.ms", "3600000"));
    create(t.events(), 5, Map.of());
    create(t.state(), 4, Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "1000"));

    Topics.ensure(vertx, c).await(30, TimeUnit.SECONDS);

    Map<String, TopicDescription> topics = describe(names(c));
    assertEquals(1, topics.get(t.tickets()).partitions().size());
    assertEquals(5, topics.get(t.events()).partitions().size());
    assertEquals(4, topics.get(t.state()).partitions().size());
    assertEquals(2, topics.get(t.deadLetters()).partitions().size(), "the missing one is created as configured");
    assertEquals("3600000", configOf(t.tickets()).get("retention.ms").value());
    assertEquals("1000", configOf(t.state()).get("min.compaction.lag.ms").value());
    // And again: a second start finds everything in place.
    Topics.ensure(vertx, c).await(30, TimeUnit.SECONDS);
  }

  @Test
  void a_state_topic_compacted_and_deleted_is_compacted_enough() throws Exception {
    DaemonConfig c = config(TestBroker.unique("compact-delete"));
    create(c.kafka().topics().state(), 1, Map.of("cleanup.policy", "compact,delete"));
    Topics.ensure(vertx, c).await(30, TimeUnit.SECONDS);
    assertTrue(existing().containsAll(names(c)));
  }

  @Test
  void a_state_topic_that_is_not_compacted_is_named_and_the_start_refused_before_anything_is_created() throws Exception {
    DaemonConfig c = config(TestBroker.unique("uncompacted"));
    String state = c.kafka().topics().state();
    create(state, 1, Map.of("cleanup.policy", "delete"));

    Topics.TopicsError e = failure(Topics.ensure(vertx, c), 30);
    assertEquals("topic " + state + " (kafka.topics.state) exists with cleanup.policy=delete, but the daemon's state "
        + "topic must be compacted: set its cleanup.policy to compact, or name another topic", e.getMessage());
    Set<String> after = existing();
    assertFalse(after.contains(c.kafka().topics().tickets()), "nothing is created when the state topic is wrong");
    assertFalse(after.contains(c.kafka().topics().events()));
    assertFalse(after.contains(c.kafka().topics().deadLetters()));
    assertEquals("delete", configOf(state).get("cleanup.policy").value(), "the operator's topic is not changed");

    // Compacted by its owner, the same topic is taken.
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, state), List.of(
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET)))).all()
        .get(10, TimeUnit.SECONDS);
    Topics.ensure(vertx, c).await(30, TimeUnit.SECONDS);
    assertTrue(existing().containsAll(names(c)));
  }

  @Test
  void a_topic_that_cannot_be_created_is_named_with_the_reason() throws Exception {
    String prefix = TestBroker.unique("replicas");
    // Three replicas asked of a broker that is alone.
    DaemonConfig c = DaemonConfigLoader.from(new JsonObject().put("kafka", new JsonObject()
        .put("properties", new JsonObject().put("bootstrap.servers", TestBroker.bootstrap()))
        .put("replicationFactor", 3)
        .put("topics", new JsonObject().put("tickets", prefix + ".tickets").put("events", prefix + ".events")
            .put("deadLetters", prefix + ".dlq").put("state", prefix + ".state"))), Map.of("HOSTNAME", "topics-test"));
    Topics.TopicsError e = failure(Topics.ensure(vertx, c), 30);
    assertTrue(e.getMessage().startsWith("could not create topic " + prefix + ".state: InvalidReplicationFactorException"),
        e.getMessage());
  }

  @Test
  void two_daemons_starting_at_once_both_find_their_topics() throws Exception {
    DaemonConfig c = config(TestBroker.unique("race"));
    Future<Void> one = Topics.ensure(vertx, c);
    Future<Void> two = Topics.ensure(vertx, c);
    Future.all(one, two).await(30, TimeUnit.SECONDS);
    assertEquals("compact", configOf(c.kafka().topics().state()).get("cleanup.policy").value());
  }

  @Test
  void a_broker_that_cannot_be_reached_fails_the_start_within_the_client_timeout_naming_the_broker() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + closed;
    // The Kafka client's own bound (default.api.timeout.ms, 60 s by default), shortened through kafka.properties.
    DaemonConfig c = config("unreachable", bootstrap, 1, Map.of("default.api.timeout.ms", "3000",
        "request.timeout.ms", "2000", "reconnect.backoff.max.ms", "200"));
    long start = System.nanoTime();
    Topics.TopicsError e = failure(Topics.ensure(vertx, c), 30);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertTrue(e.getMessage().contains(bootstrap), e.getMessage());
    assertTrue(e.getMessage().startsWith("could not list the topics of Kafka at " + bootstrap + ": "), e.getMessage());
    assertTrue(seconds < 20, "took " + seconds + " s");
  }

  @Test
  void a_broker_name_that_does_not_resolve_is_named_in_the_failure() {
    String bootstrap = "kafka.takeover-test.invalid:9092";
    DaemonConfig c = config("unresolved", bootstrap, 1, Map.of("default.api.timeout.ms", "3000"));
    Topics.TopicsError e = failure(Topics.ensure(vertx, c), 30);
    assertTrue(e.getMessage().contains(bootstrap), e.getMessage());
  }

  @Test
  void a_wrong_sasl_setting_fails_without_showing_the_secret() {
    String secret = "Zq7S3CRETx";
    DaemonConfig c = config("sasl", TestBroker.bootstrap(), 1, Map.of("security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN", "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule "
            + "required username=alice password=" + secret, "default.api.timeout.ms", "3000"));
    Topics.TopicsError e = failure(Topics.ensure(vertx, c), 30);
    assertFalse(e.getMessage().contains(secret), e.getMessage());
    assertFalse(e.getMessage().contains("Zq7"), e.getMessage());
  }
}
