package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.metrics.Scrape;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-node02 stops with mysql-0 on it and the daemon tells it down; then the daemon is replaced (a rolling update,
 * a failover: the next one starts from the state topic). A down period is told once: the next daemon tells people
 * and systems nothing new while the node stays down (yet its own gauge follows the node), and tells the end of it,
 * also when the node came back while no daemon ran.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonDeadNodesRestartTest {
  static final String NODE = DaemonDeadNodesTest.NODE;
  static final Duration BOUND = Duration.ofSeconds(30);

  /**
   * One cluster, three daemons in turn (each the next one after a rolling update): the first tells kube-node02
   * down; the second tells nobody again but follows it; the node comes back while no daemon runs, and the third
   * tells its recovery, so what opened on node.down closes.
   */
  @Test
  void the_next_daemon_does_not_tell_a_down_node_again_and_one_after_it_tells_the_recovery_it_missed() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint slack = new SlackEndpoint()) {
      DaemonConfig config = config(slack, "dnr");
      toldDownByAFirstDaemon(cluster, config, slack);

      try (DaemonUnderTest next = new DaemonUnderTest(cluster, config)) {
        String metrics = "http://127.0.0.1:" + next.daemon.httpPort() + "/metrics";
        Scrape s = Scrape.await(HttpClient.newHttpClient(), metrics,
            x -> x.has("takeover_stuck_statefulset_pods", "node", NODE), BOUND);
        assertEquals(1.0, s.value("takeover_stuck_statefulset_pods", "node", NODE), "the next daemon follows the node");
      }

      cluster.startNode(NODE); // back while no daemon runs
      Await.await(NODE + " Ready again", BOUND, () -> DaemonDeadNodesTest.ready(cluster.client().nodes()
          .withName(NODE).get()));
      try (DaemonUnderTest third = new DaemonUnderTest(cluster, config)) {
        List<CloudEvent> told = untilRecovered(third);
        assertEquals(List.of("dev.takeover.node.down", "dev.takeover.node.recovered"),
            told.stream().map(CloudEvent::getType).toList(), "told once each");
        String reason = DaemonUnderTest.data(told.get(1)).getString("reason");
        assertTrue(reason.contains("came back while no replica watched it"), reason);
        assertEquals("Normal", awaitNodeEvent(cluster.client(), "NodeRecovered").getType());
        assertEquals(1, nodeEvents(cluster.client(), "NodeDown").size(), "one NodeDown Event");
        List<SlackEndpoint.Received> posts = slack.await("/webhook", l -> l.size() >= 2, BOUND);
        assertEquals(2, posts.size(), "down once, then recovered: " + posts.stream().map(SlackEndpoint.Received::text)
            .toList());
        assertTrue(posts.get(1).text().contains("recovered"), posts.get(1).text());
      }
    }
  }

  static DaemonConfig config(SlackEndpoint slack, String prefix) {
    return DaemonUnderTest.config(TestBroker.unique(prefix), 1)
        .withDeadNodes(new DaemonConfig.DeadNodes(DaemonDeadNodesTest.GRACE))
        .withSlack(new TriggerConfig.Slack("", Set.of(), Set.of(), slack.url("/webhook")));
  }

  /** A first daemon tells kube-node02 down everywhere, records it on the state topic, and stops. */
  static void toldDownByAFirstDaemon(SimulatedCluster cluster, DaemonConfig config, SlackEndpoint slack) {
    try (DaemonUnderTest first = new DaemonUnderTest(cluster, config)) {
      cluster.stopNode(NODE);
      first.awaitRecord(down(), BOUND);
      awaitNodeEvent(cluster.client(), "NodeDown");
      slack.await("/webhook", l -> l.size() == 1, BOUND);
      awaitStateRecord(config, "#node-down/" + NODE);
    }
  }

  /** The node's events on the topic, from the start, up to its node.recovered (one partition: in order). */
  static List<CloudEvent> untilRecovered(DaemonUnderTest d) {
    List<CloudEvent> told = new java.util.ArrayList<>();
    d.awaitRecord(r -> {
      if (NODE.equals(r.key())) {
        told.add(r.value());
      }
      return recovered().test(r);
    }, BOUND);
    return told;
  }

  static Predicate<ConsumerRecord<String, CloudEvent>> down() {
    return r -> NODE.equals(r.key()) && "dev.takeover.node.down".equals(r.value().getType());
  }

  static Predicate<ConsumerRecord<String, CloudEvent>> recovered() {
    return r -> NODE.equals(r.key()) && "dev.takeover.node.recovered".equals(r.value().getType());
  }

  /** Reads the state topic (committed records, from the start) until the key has a value. */
  static void awaitStateRecord(DaemonConfig config, String key) {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "group.id", "state-reader-" + java.util.UUID.randomUUID(), "auto.offset.reset", "earliest",
        "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
      c.subscribe(List.of(config.kafka().topics().state()));
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          if (key.equals(r.key()) && r.value() != null) {
            return;
          }
        }
      }
      throw new AssertionError(key + " not on the state topic within " + BOUND);
    }
  }

  static List<Event> nodeEvents(KubernetesClient k, String reason) {
    return k.v1().events().inNamespace("default").list().getItems().stream()
        .filter(ev -> reason.equals(ev.getReason()) && NODE.equals(ev.getInvolvedObject().getName())).toList();
  }

  static Event awaitNodeEvent(KubernetesClient k, String reason) {
    Await.await(reason + " Event on " + NODE, BOUND, () -> !nodeEvents(k, reason).isEmpty());
    return nodeEvents(k, reason).get(0);
  }
}
