package dev.takeover.daemon;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The automatic policy end to end, on the seed (mysql-0 on kube-node02): the node stops; after the grace it is
 * reported down; once its Lease has gone unrenewed for recoverAfter, Takeover puts a recover ticket on its own
 * tickets topic, the scheduler starts it, the fencing hook (a local HTTP server standing for a BMC relay) is called
 * for kube-node02, the node is tainted out-of-service, and mysql-0 is Ready on kube-node01 with pvc-mysql-0 → pv1.
 * Started again, the node loses the taint. A hook that fails leaves the cluster as it was.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonAutomaticRecoveryTest {
  static final String NODE = "kube-node02";
  static final String TOKEN = "canary-fence-token-51d";

  static DaemonConfig config(String prefix, SlackEndpoint fence) {
    RecoveryConfig automatic = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.AUTOMATIC)
        .withRecoverAfter(Duration.ofSeconds(4)).withPodGcWait(Duration.ofSeconds(5));
    return DaemonUnderTest.config(TestBroker.unique(prefix), 1)
        .withDeadNodes(new DaemonConfig.DeadNodes(Duration.ofSeconds(2), automatic,
            new DaemonConfig.Fencing(fence.url("/fence"), TOKEN, List.of(), Duration.ofSeconds(10))));
  }

  @Test
  void a_stopped_node_is_fenced_tainted_and_its_mysql_0_comes_back_on_the_other_worker() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint fence = new SlackEndpoint();
         DaemonUnderTest d = new DaemonUnderTest(cluster, config("auto", fence))) {
      KubernetesClient k = cluster.client();
      String oldUid = mysql(k).getMetadata().getUid();

      cluster.stopNode(NODE);

      ConsumerRecord<String, CloudEvent> done = d.awaitRecord(x -> x.value().getType().equals(
          "dev.takeover.ticket.completed"), Duration.ofSeconds(60));
      JsonObject outcome = DaemonUnderTest.data(done.value());
      assertTrue(outcome.getString("ticket").startsWith("recover-" + NODE + "-"), outcome.encodePrettily());
      assertEquals("out-of-service", outcome.getString("nodeLeft"), outcome.encodePrettily());
      JsonObject fenced = fence.await("/fence", l -> !l.isEmpty(), Duration.ofSeconds(5)).get(0).body();
      assertEquals(NODE, fenced.getString("node"));
      assertEquals(outcome.getString("ticket"), fenced.getString("ticket"));

      Pod now = mysql(k);
      assertNotEquals(oldUid, now.getMetadata().getUid());
      assertEquals("kube-node01", now.getSpec().getNodeName());
      assertEquals("pvc-mysql-0", now.getSpec().getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null)
          .findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName());
      assertEquals("pv1", k.persistentVolumeClaims().inNamespace("default").withName("pvc-mysql-0").get().getSpec()
          .getVolumeName());
      assertTrue(outOfService(k.nodes().withName(NODE).get()), "tainted out-of-service");
      List<String> steps = d.of(outcome.getString("ticket")).stream().filter(e -> e.getType().endsWith(".step"))
          .map(e -> DaemonUnderTest.data(e).getString("step") + ":" + DaemonUnderTest.data(e).getString("type"))
          .filter(s -> s.endsWith("finished")).toList();
      assertEquals(List.of("plan:takeover.step.finished", "fence:takeover.step.finished",
          "taint:takeover.step.finished", "confirm:takeover.step.finished"), steps);

      // Still down, but nothing is stuck there any more: the alert on stuck pods stops firing.
      dev.takeover.metrics.Scrape.await(java.net.http.HttpClient.newHttpClient(),
          "http://127.0.0.1:" + d.daemon.httpPort() + "/metrics",
          x -> x.has("takeover_stuck_statefulset_pods", "node", NODE)
              && x.value("takeover_stuck_statefulset_pods", "node", NODE) == 0.0, Duration.ofSeconds(10));

      // Back: Ready, its Lease renewed; the taint Takeover put there goes, and that is told.
      cluster.startNode(NODE);
      ConsumerRecord<String, CloudEvent> removed = d.awaitRecord(x -> x.value().getType().equals(
          "dev.takeover.node.taint-removed"), Duration.ofSeconds(30));
      assertEquals(NODE, removed.key());
      assertEquals(outcome.getString("ticket"), DaemonUnderTest.data(removed.value()).getString("ticket"));
      Node back = k.nodes().withName(NODE).get();
      assertTrue(!outOfService(back), "the taint is gone");
      assertNull(back.getMetadata().getAnnotations().get("takeover.dev/out-of-service"));
    }
  }

  @Test
  void a_fencing_hook_that_fails_leaves_the_node_untainted_and_mysql_0_where_it_was() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint fence = new SlackEndpoint();
         DaemonUnderTest d = new DaemonUnderTest(cluster, config("autofail", fence))) {
      KubernetesClient k = cluster.client();
      fence.answerNext("/fence", 503, -1);
      String oldUid = mysql(k).getMetadata().getUid();

      cluster.stopNode(NODE);

      ConsumerRecord<String, CloudEvent> failed = d.awaitRecord(x -> x.value().getType().equals(
          "dev.takeover.ticket.failed"), Duration.ofSeconds(60));
      String reason = DaemonUnderTest.data(failed.value()).getString("reason");
      assertTrue(reason.startsWith("fencing " + NODE + " failed") && reason.contains("503")
          && reason.contains("nothing in the cluster was changed"), reason);
      assertTrue(!reason.contains(TOKEN), reason);
      Node node = k.nodes().withName(NODE).get();
      assertTrue(!outOfService(node), "no taint without a fenced node");
      assertNull(node.getMetadata().getAnnotations() == null ? null
          : node.getMetadata().getAnnotations().get("takeover.dev/out-of-service"));
      assertEquals(oldUid, mysql(k).getMetadata().getUid(), "mysql-0 still stuck, not deleted");
      Await.await("one call to the hook", Duration.ofSeconds(5), () -> fence.to("/fence").size() == 1);
    }
  }

  static Pod mysql(KubernetesClient k) {
    return k.pods().inNamespace("default").withName("mysql-0").get();
  }

  static boolean outOfService(Node node) {
    return node.getSpec().getTaints() != null && node.getSpec().getTaints().stream()
        .anyMatch(t -> "node.kubernetes.io/out-of-service".equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
  }
}
