package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.metrics.Scrape;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-node02 stops with mysql-0 on it, on a daemon whose grace is 2 s: its Lease expires, it goes NotReady, and
 * after the grace it is down (a node whose Lease is still renewed is alive: DeadNodesTest): a CloudEvent on the events topic, a Warning Event on the Node, a message
 * to the Slack channel, the gauge at 1, and nothing in the cluster changed by Takeover. Started again, it recovers.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonDeadNodesTest {
  static final String NODE = "kube-node02";
  static final Duration GRACE = Duration.ofSeconds(2);

  @Test
  void a_stopped_node_with_mysql_0_is_reported_down_after_the_grace_and_recovered_when_it_starts_again() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint slack = new SlackEndpoint()) {
      DaemonConfig config = DaemonUnderTest.config(TestBroker.unique("dn"), 1)
          .withDeadNodes(new DaemonConfig.DeadNodes(GRACE))
          .withSlack(new TriggerConfig.Slack("", Set.of(), Set.of(), slack.url("/webhook")));
      try (DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
        KubernetesClient k = cluster.client();
        HttpClient http = HttpClient.newHttpClient();
        String metrics = "http://127.0.0.1:" + d.daemon.httpPort() + "/metrics";
        Pod mysql = k.pods().inNamespace("default").withName("mysql-0").get();
        assertEquals(NODE, mysql.getSpec().getNodeName());

        cluster.stopNode(NODE);
        Await.await(NODE + " NotReady", Duration.ofSeconds(10), () -> !ready(k.nodes().withName(NODE).get()));

        ConsumerRecord<String, CloudEvent> r = d.awaitRecord(down(), Duration.ofSeconds(20));
        assertEquals(NODE, r.key());
        CloudEvent e = r.value();
        assertEquals(NODE, e.getSubject());
        JsonObject data = DaemonUnderTest.data(e);
        assertEquals(new JsonArray().add(new JsonObject().put("pod", "default/mysql-0").put("claims",
            new JsonArray().add(new JsonObject().put("claim", "pvc-mysql-0").put("volume", "pv1")))),
            data.getJsonArray("pods"), data.encodePrettily());
        assertEquals(NODE, data.getString("node"));
        assertTrue(data.getString("reason").contains("Lease last renewed"), data.getString("reason"));
        assertTrue(data.getString("notReadySince") != null && data.getString("leaseRenewedAt") != null);
        assertEquals("notify", data.getString("policy"), "the default policy: what Takeover does next");
        // Not before the grace: the simulator lets the Lease expire (2 s) and then marks the node Unknown (2.5 s
        // after the last renewal), as Kubernetes does (40 s, then 50 s); the daemon waits its grace on top, counted
        // from the Ready condition's time (whole seconds, as the API server writes it), which the event names.
        java.time.Instant since = java.time.Instant.parse(data.getString("notReadySince"));
        assertFalse(e.getTime().toInstant().isBefore(since.plus(GRACE)), "node.down at " + e.getTime()
            + ", not Ready since " + since + ", grace " + GRACE);

        Event nodeDown = awaitNodeEvent(k, "NodeDown");
        assertEquals("Warning", nodeDown.getType());
        assertTrue(nodeDown.getMessage().contains("default/mysql-0 (pvc-mysql-0 → pv1)"), nodeDown.getMessage());
        assertTrue(nodeDown.getMessage().endsWith("Takeover changed nothing (deadNodes policy notify: detection only)"),
            nodeDown.getMessage());
        Scrape s = Scrape.await(http, metrics, x -> x.has("takeover_stuck_statefulset_pods", "node", NODE),
            Duration.ofSeconds(10));
        assertEquals(1.0, s.value("takeover_stuck_statefulset_pods", "node", NODE), s.lines("takeover_stuck"));
        String told = slack.await("/webhook", l -> !l.isEmpty(), Duration.ofSeconds(10)).get(0).text();
        assertTrue(told.contains(NODE) && told.contains("mysql-0") && told.contains("pvc-mysql-0 → pv1"), told);

        // Detection only: no cordon, no taint of ours, no record, mysql-0 neither deleted nor evicted.
        Node node = k.nodes().withName(NODE).get();
        assertNotEquals(Boolean.TRUE, node.getSpec().getUnschedulable());
        assertEquals(Set.of("node.kubernetes.io/unreachable"), node.getSpec().getTaints().stream()
            .map(Taint::getKey).collect(java.util.stream.Collectors.toSet()), "the simulator's taints only");
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null ? Map.of()
            : node.getMetadata().getAnnotations();
        assertFalse(annotations.keySet().stream().anyMatch(a -> a.startsWith("takeover.dev/")), annotations.toString());
        Pod still = k.pods().inNamespace("default").withName("mysql-0").get();
        assertEquals(mysql.getMetadata().getUid(), still.getMetadata().getUid());
        assertNull(still.getMetadata().getDeletionTimestamp());

        cluster.startNode(NODE);
        // Everything of the node's key up to its recovery (one partition: in order): down once, then recovered.
        List<String> sequence = new java.util.ArrayList<>();
        ConsumerRecord<String, CloudEvent> back = d.awaitRecord(x -> {
          if (NODE.equals(x.key())) {
            sequence.add(x.value().getType());
          }
          return x.value().getType().equals("dev.takeover.node.recovered");
        }, Duration.ofSeconds(20));
        assertEquals(NODE, back.key());
        assertEquals(List.of("dev.takeover.node.recovered"), sequence, "nothing more was told while it was down");
        assertTrue(DaemonUnderTest.data(back.value()).getString("reason").startsWith("Ready again after"));
        assertEquals("Normal", awaitNodeEvent(k, "NodeRecovered").getType());
        Scrape after = Scrape.await(http, metrics,
            x -> x.value("takeover_stuck_statefulset_pods", "node", NODE) == 0.0, Duration.ofSeconds(10));
        assertEquals(0.0, after.value("takeover_stuck_statefulset_pods", "node", NODE));
        List<SlackEndpoint.Received> posts = slack.await("/webhook", l -> l.size() >= 2, Duration.ofSeconds(10));
        assertTrue(posts.get(1).text().contains("recovered"), "down, then recovered: " + posts.get(1).text());
      }
    }
  }

  static java.util.function.Predicate<ConsumerRecord<String, CloudEvent>> down() {
    return x -> x.value().getType().equals("dev.takeover.node.down");
  }

  static boolean ready(Node node) {
    return node.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static Event awaitNodeEvent(KubernetesClient k, String reason) {
    Event[] found = new Event[1];
    Await.await(reason + " Event on " + NODE, Duration.ofSeconds(10), () -> {
      List<Event> events = k.v1().events().inNamespace("default").list().getItems();
      found[0] = events.stream().filter(ev -> reason.equals(ev.getReason())
          && NODE.equals(ev.getInvolvedObject().getName())).findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }
}
