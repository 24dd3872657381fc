package dev.takeover.cluster;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.NodeLabelSelector;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import dev.takeover.logs.LogCapture;
import dev.takeover.sim.RequestHook;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.ticket.TicketEvent;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The automatic policy's input on its own: node events told on {@link DeadNodeWatch#ADDRESS} and ticket outcomes on
 * {@link TicketEvent#ADDRESS} as the watch and the scheduler tell them, the seed's nodes read from the simulated
 * cluster (the workers automatic by their labels, kube-master not), and the tickets read back from a real tickets
 * topic of one partition. What must not be published is shown by a later ticket of another node, due after it would
 * have been: the topic keeps the order they were published in.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AutomaticRecoveryTest {
  static final String NODE = "kube-node02";
  static final String OTHER = "kube-node01";
  static final String MASTER = "kube-master";
  static final String AGENT = "automatic-recovery-test";
  static final RecoveryConfig WORKERS_AUTOMATIC = RecoveryConfig.defaults()
      .withAutomatic(NodeLabelSelector.parse("!node-role.kubernetes.io/control-plane"));

  /** What the simulated API server answers our reads of a node instead, while set. */
  final AtomicReference<RequestHook> fault = new AtomicReference<>();
  /** Our reads of kube-node02, answered or not. */
  final AtomicInteger nodeReads = new AtomicInteger();
  final List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
  SimulatedCluster cluster;
  Vertx vertx;
  Kube kube;
  KafkaConsumer<String, byte[]> tickets;
  LogCapture log;
  String deployment;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      String agent = request.getHeader("User-Agent");
      if (agent == null || !agent.contains(AGENT)) {
        return null;
      }
      if ("GET".equals(request.getMethod()) && request.getPath().startsWith("/api/v1/nodes/" + NODE)) {
        nodeReads.incrementAndGet();
      }
      RequestHook f = fault.get();
      return f == null ? null : f.handle(request, next);
    }).start();
    Seed.apply(cluster);
    vertx = Vertx.vertx();
    // No retries of the client's own: a refused read is the input's to ask again, which is what is tested.
    kube = Kube.connect(vertx, new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(AGENT)
        .withRequestRetryBackoffLimit(0).build(), 2, "test");
    log = LogCapture.of(AutomaticRecovery.class);
  }

  @AfterEach
  void stop() throws Exception {
    log.close();
    if (deployment != null) {
      // Its stop closes the producer; closing Vert.x under it would interrupt the producer's close.
      vertx.undeploy(deployment).await(30, TimeUnit.SECONDS);
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    kube.close();
    if (tickets != null) {
      tickets.close();
    }
    cluster.close();
  }

  @Test
  void a_ticket_is_published_once_recoverAfter_has_passed_since_the_Leases_last_renewal() {
    Duration recoverAfter = Duration.ofSeconds(3);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));
    Instant renewed = Instant.now().minusSeconds(1);

    down(NODE, renewed);
    down(NODE, renewed); // reported again (a relist): still one down period, one ticket

    ConsumerRecord<String, byte[]> r = awaitTicket(NODE, Duration.ofSeconds(20));
    assertFalse(Instant.ofEpochMilli(r.timestamp()).isBefore(renewed.plus(recoverAfter)),
        "published at " + Instant.ofEpochMilli(r.timestamp()) + ", Lease renewed at " + renewed);
    JsonObject ticket = json(r);
    assertEquals("recover-" + NODE + "-" + renewed.getEpochSecond(), ticket.getString("id"));
    assertEquals("recover", ticket.getString("action"));
    assertEquals(NODE, ticket.getString("node"));
    assertEquals("takeover", ticket.getString("requestedBy"));
    assertEquals(AutomaticRecovery.SOURCE, new String(r.headers().lastHeader(TicketPublisher.SOURCE).value(),
        StandardCharsets.UTF_8));

    down(OTHER, Instant.now().minus(recoverAfter).plusMillis(500));
    awaitTicket(OTHER, Duration.ofSeconds(20));
    assertEquals(1, ticketsOf(NODE).size(), ids());
  }

  @Test
  void recoverAfter_counts_from_when_the_watch_last_heard_the_node_not_from_a_kubelet_clock_running_behind() {
    Duration recoverAfter = Duration.ofSeconds(3);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));
    Instant written = Instant.now().minusSeconds(600); // the kubelet's clock, 10 min behind
    Instant heard = Instant.now().minusSeconds(1);     // when the watch saw that renewal, on the daemon's clock
    JsonObject down = downEvent(NODE, written);
    down.getJsonObject("data").put("silentSince", heard.toString());
    tell(down);

    ConsumerRecord<String, byte[]> r = awaitTicket(NODE, Duration.ofSeconds(20));
    assertFalse(Instant.ofEpochMilli(r.timestamp()).isBefore(heard.plus(recoverAfter)),
        "published at " + Instant.ofEpochMilli(r.timestamp()) + ", last heard at " + heard);
    assertEquals("recover-" + NODE + "-" + written.getEpochSecond(), json(r).getString("id"),
        "the period keeps the name its Lease gives it: the same on every replica");
  }

  @Test
  void a_node_recovered_before_recoverAfter_gets_no_ticket() {
    Duration recoverAfter = Duration.ofSeconds(2);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));

    down(NODE, Instant.now().minus(recoverAfter).plusSeconds(1));
    tell(new JsonObject().put("type", DeadNodeWatch.RECOVERED).put("node", NODE));
    down(OTHER, Instant.now().minus(recoverAfter).plusMillis(1500)); // due half a second after kube-node02 was

    awaitTicket(OTHER, Duration.ofSeconds(20));
    assertEquals(List.of(), ticketsOf(NODE), ids());
  }

  @Test
  void while_nodes_are_partitioned_nothing_is_asked_and_what_fell_due_is_asked_when_it_is_over() {
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(Duration.ofSeconds(1)));
    tell(new JsonObject().put("type", DeadNodeWatch.PARTITIONED).put("node", ""));

    down(NODE, Instant.now().minusSeconds(2)); // due at once
    log.await(l -> l.contains(NODE + " is due for automatic recovery, but too many nodes are down"),
        Duration.ofSeconds(10));
    assertEquals(0, nodeReads.get(), "nothing asked: not even the node read");

    tell(new JsonObject().put("type", DeadNodeWatch.PARTITION_OVER).put("node", ""));
    ConsumerRecord<String, byte[]> r = awaitTicket(NODE, Duration.ofSeconds(20));
    assertTrue(json(r).getString("id").startsWith("recover-" + NODE + "-"));
  }

  @Test
  void an_ask_that_fails_is_asked_again_until_it_goes_through() {
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(Duration.ofSeconds(2))); // backoff: min(5 s, recoverAfter)
    AtomicInteger refused = new AtomicInteger();
    fault.set((request, next) -> "GET".equals(request.getMethod())
        && request.getPath().startsWith("/api/v1/nodes/" + NODE) && refused.incrementAndGet() <= 2
        ? new MockResponse().setResponseCode(503).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"the server is "
                + "currently unable to handle the request\",\"reason\":\"ServiceUnavailable\",\"code\":503}")
        : null);
    Instant start = Instant.now();

    down(NODE, Instant.now().minusSeconds(2));

    ConsumerRecord<String, byte[]> r = awaitTicket(NODE, Duration.ofSeconds(30));
    assertEquals(3, nodeReads.get(), "two refused reads, then the one that went through");
    assertEquals(2, log.containing("automatic recovery of " + NODE + " not asked").size(), log.lines().toString());
    assertFalse(Instant.ofEpochMilli(r.timestamp()).isBefore(start.plusSeconds(4)), "two backoffs of 2 s");
  }

  @Test
  void a_node_whose_policy_is_not_automatic_by_its_labels_gets_nothing() {
    Duration recoverAfter = Duration.ofSeconds(1);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));

    down(MASTER, Instant.now().minus(recoverAfter));
    down(OTHER, Instant.now().minus(recoverAfter).plusMillis(700));

    awaitTicket(OTHER, Duration.ofSeconds(20));
    assertEquals(List.of(), ticketsOf(MASTER), ids());
    log.await(l -> l.contains(MASTER + " not asked: its policy is not automatic"), Duration.ofSeconds(5));
  }

  @Test
  void a_down_period_told_again_to_a_new_leader_s_parts_goes_on_from_its_attempt_not_from_the_first() {
    Duration recoverAfter = Duration.ofSeconds(1);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));
    Instant renewed = Instant.now().minusSeconds(2);
    down(NODE, renewed);
    String first = json(awaitTicket(NODE, Duration.ofSeconds(20))).getString("id");
    tell(TicketEvent.ADDRESS, new TicketEvent("failed", first, NODE, Instant.now(), new JsonObject()
        .put("ticket", first).put("reason", "fencing hook answered 503")).toJson());
    // The watch tells the same period again, marked retold (a leader's watch restarted after the state was read).
    JsonObject retold = downEvent(NODE, renewed);
    retold.getJsonObject("data").put(DeadNodeWatch.RETOLD, true);
    tell(retold);

    assertEquals(first + "-2", json(awaitTicket(NODE, 2, Duration.ofSeconds(20))).getString("id"),
        "the second attempt follows the failed first, not the first again: " + ids());
  }

  @Test
  void after_five_failed_tickets_nothing_more_is_asked_in_that_down_period_and_a_new_one_starts_over() {
    Duration recoverAfter = Duration.ofSeconds(1);
    deploy(WORKERS_AUTOMATIC.withRecoverAfter(recoverAfter));
    Instant renewed = Instant.now().minusSeconds(2);

    down(NODE, renewed);
    List<String> asked = new ArrayList<>();
    for (int attempt = 1; attempt <= AutomaticRecovery.MOST_ATTEMPTS; attempt++) {
      String id = json(awaitTicket(NODE, attempt, Duration.ofSeconds(20))).getString("id");
      asked.add(id);
      // The kubelet is back but never Ready: the engine refuses each ticket.
      tell(TicketEvent.ADDRESS, new TicketEvent("failed", id, NODE, Instant.now(), new JsonObject().put("ticket", id)
          .put("reason", NODE + " is not down: its Lease was renewed 1 s ago")).toJson());
    }
    String first = "recover-" + NODE + "-" + renewed.getEpochSecond();
    assertEquals(List.of(first, first + "-2", first + "-3", first + "-4", first + "-5"), asked);
    String gaveUp = log.await(l -> l.startsWith("WARN automatic recovery of " + NODE + " given up"),
        Duration.ofSeconds(10));
    assertTrue(gaveUp.contains("5 tickets") && gaveUp.contains(first + "-5"), gaveUp);

    // A sixth would be due recoverAfter after the fifth failed; kube-node01's falls due half a second later.
    down(OTHER, Instant.now().minus(recoverAfter).plusMillis(1500));
    awaitTicket(OTHER, Duration.ofSeconds(20));
    assertEquals(5, ticketsOf(NODE).size(), ids());
    assertEquals(1, log.containing("given up").size(), log.lines().toString());

    // Back, then down again: a new down period, asked from its first attempt.
    tell(new JsonObject().put("type", DeadNodeWatch.RECOVERED).put("node", NODE));
    Instant again = Instant.now().minusSeconds(1);
    down(NODE, again);
    ConsumerRecord<String, byte[]> r = awaitTicket(NODE, 6, Duration.ofSeconds(20));
    assertEquals("recover-" + NODE + "-" + again.getEpochSecond(), json(r).getString("id"));
  }

  /** Deploys the input with a TicketPublisher of its own on a tickets topic of one partition, and reads it. */
  private void deploy(RecoveryConfig recovery) {
    String prefix = TestBroker.unique("auto");
    String bootstrap = TestBroker.bootstrap();
    DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
        new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"), prefix,
        1, (short) -1), EngineConfig.defaults(), new DaemonConfig.Tickets(65536, Duration.ofMillis(200)), "test");
    String topic = config.kafka().topics().tickets();
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("tickets topic not created: " + e, e);
    }
    tickets = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest"),
        new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partition = List.of(new TopicPartition(topic, 0));
    tickets.assign(partition);
    tickets.seekToBeginning(partition);
    try {
      deployment = vertx.deployVerticle(new AutomaticRecovery(kube, recovery, new TicketPublisher(vertx, config),
          Clock.systemUTC())).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("not deployed: " + e, e);
    }
  }

  /** A node.down as the watch tells it. */
  private void down(String node, Instant leaseRenewedAt) {
    tell(downEvent(node, leaseRenewedAt));
  }

  private static JsonObject downEvent(String node, Instant leaseRenewedAt) {
    return new JsonObject().put("type", DeadNodeWatch.DOWN).put("node", node).put("time", Instant.now().toString())
        .put("data", new JsonObject().put("pods", new io.vertx.core.json.JsonArray())
            .put("notReadySince", leaseRenewedAt.plusSeconds(1).toString())
            .put("leaseRenewedAt", leaseRenewedAt.toString())
            .put("reason", "Lease last renewed at " + leaseRenewedAt));
  }

  private void tell(JsonObject nodeEvent) {
    tell(DeadNodeWatch.ADDRESS, nodeEvent);
  }

  private void tell(String address, JsonObject event) {
    vertx.eventBus().publish(address, event);
  }

  private ConsumerRecord<String, byte[]> awaitTicket(String node, Duration bound) {
    return awaitTicket(node, 1, bound);
  }

  /** Reads the tickets topic (keeping every record read) until it holds the node's n-th ticket, within the bound. */
  private ConsumerRecord<String, byte[]> awaitTicket(String node, int n, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (ticketsOf(node).size() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no ticket " + n + " of " + node + " within " + bound + "; read: " + ids()
            + "; logged: " + log.lines());
      }
      tickets.poll(Duration.ofMillis(200)).forEach(read::add);
    }
    return ticketsOf(node).get(n - 1);
  }

  private List<ConsumerRecord<String, byte[]>> ticketsOf(String node) {
    return read.stream().filter(r -> node.equals(r.key())).toList();
  }

  private String ids() {
    return read.stream().map(r -> json(r).getString("id")).toList().toString();
  }

  private static JsonObject json(ConsumerRecord<String, byte[]> r) {
    return new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
  }
}
