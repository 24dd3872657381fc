package dev.takeover.daemon;

import dev.takeover.cluster.AutomaticRecovery;
import dev.takeover.logs.LogCapture;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The partition guard under the automatic policy, the real daemon on the seed with a third worker (kube-master,
 * kube-node01, kube-node02 with mysql-0, kube-node03; maxDownShare 1/3): two workers stop at once, 2 of 4 nodes down,
 * so Takeover recovers none (a partition is likelier than two dead machines), though kube-node02 falls due. One of
 * them starts again: the partition is over, and kube-node02, still down, is fenced, tainted, and its mysql-0 comes
 * back Ready on another worker with the same claim and volume.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonAutomaticRecoveryPartitionTest {
  static final String NODE = DaemonAutomaticRecoveryTest.NODE;
  static final String THIRD = "kube-node03";

  @Test
  void with_two_of_three_workers_down_none_is_recovered_until_one_is_back_then_the_one_still_down_is() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint fence = new SlackEndpoint();
         LogCapture log = LogCapture.of(AutomaticRecovery.class)) {
      cluster.scenario().node(THIRD).apply();
      try (DaemonUnderTest d = new DaemonUnderTest(cluster, DaemonAutomaticRecoveryTest.config("autopart", fence))) {
        KubernetesClient k = cluster.client();
        String oldUid = DaemonAutomaticRecoveryTest.mysql(k).getMetadata().getUid();

        cluster.stopNode(NODE);
        cluster.stopNode(THIRD);

        ConsumerRecord<String, CloudEvent> partitioned = d.awaitRecord(x -> x.value().getType().equals(
            "dev.takeover.nodes.partitioned"), Duration.ofSeconds(30));
        JsonObject guard = DaemonUnderTest.data(partitioned.value());
        assertEquals(new JsonArray().add(NODE).add(THIRD), guard.getJsonArray("down"), guard.encode());
        assertEquals(4, guard.getInteger("total"), guard.encode());
        // kube-node02 falls due (its Lease unrenewed for recoverAfter) while the guard holds: nothing is asked.
        log.await(l -> l.contains(NODE + " is due for automatic recovery, but too many nodes are down"),
            Duration.ofSeconds(30));
        d.awaitRecord(x -> x.value().getType().equals("dev.takeover.node.down") && NODE.equals(x.key()),
            Duration.ofSeconds(10));
        assertEquals(Set.of(), d.ticketsSeen(), "no ticket while partitioned");
        assertFalse(DaemonAutomaticRecoveryTest.outOfService(k.nodes().withName(NODE).get()), "no taint");
        assertEquals(List.of(), fence.to("/fence"), "the hook not called");
        assertEquals(oldUid, DaemonAutomaticRecoveryTest.mysql(k).getMetadata().getUid());

        cluster.startNode(THIRD);
        d.awaitRecord(x -> x.value().getType().equals("dev.takeover.nodes.partition-over"), Duration.ofSeconds(30));

        ConsumerRecord<String, CloudEvent> done = d.awaitRecord(x -> x.value().getType().equals(
            "dev.takeover.ticket.completed"), Duration.ofSeconds(60));
        JsonObject outcome = DaemonUnderTest.data(done.value());
        assertTrue(outcome.getString("ticket").startsWith("recover-" + NODE + "-"), outcome.encodePrettily());
        assertEquals("out-of-service", outcome.getString("nodeLeft"), outcome.encodePrettily());
        List<SlackEndpoint.Received> calls = fence.to("/fence");
        assertEquals(1, calls.size(), "the hook called once");
        assertEquals(NODE, calls.get(0).body().getString("node"));
        assertEquals(outcome.getString("ticket"), calls.get(0).body().getString("ticket"));
        assertTrue(DaemonAutomaticRecoveryTest.outOfService(k.nodes().withName(NODE).get()), "tainted out-of-service");

        Await.await("mysql-0 Ready on another worker", Duration.ofSeconds(30), () -> {
          Pod p = DaemonAutomaticRecoveryTest.mysql(k);
          return p != null && !oldUid.equals(p.getMetadata().getUid()) && p.getStatus() != null
              && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        });
        Pod now = DaemonAutomaticRecoveryTest.mysql(k);
        assertNotEquals(NODE, now.getSpec().getNodeName());
        assertTrue(Set.of("kube-node01", THIRD).contains(now.getSpec().getNodeName()), now.getSpec().getNodeName());
        assertEquals("pvc-mysql-0", now.getSpec().getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null).findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName());
        assertEquals("pv1", k.persistentVolumeClaims().inNamespace("default").withName("pvc-mysql-0").get()
            .getSpec().getVolumeName());
        assertEquals(Set.of(outcome.getString("ticket")), d.ticketsSeen(), "one ticket, of kube-node02");
      }
    }
  }
}
