package dev.takeover.daemon;

import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Review of issue 14: under the automatic policy, one passing failure of the fencing hook (a BMC busy, a 503 from
 * the relay) must not leave a dead node's StatefulSet pods stuck for the rest of its down period. Today the recover
 * ticket's id is made from the node and when it went silent, so every later ask of the same down period (a
 * partition's end, a daemon restart) is a duplicate of the failed ticket, and nothing asks again.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonAutomaticRecoveryRetryTest {
  static final String NODE = DaemonAutomaticRecoveryTest.NODE;

  @Test
  void a_fencing_hook_that_fails_once_does_not_end_the_automatic_recovery_of_a_node_still_down() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint fence = new SlackEndpoint();
         DaemonUnderTest d = new DaemonUnderTest(cluster, DaemonAutomaticRecoveryTest.config("autoretry", fence))) {
      KubernetesClient k = cluster.client();
      fence.answerNext("/fence", 503, -1); // once; the hook answers 200 after that

      cluster.stopNode(NODE);
      ConsumerRecord<String, CloudEvent> failed = d.awaitRecord(x -> x.value().getType().equals(
          "dev.takeover.ticket.failed"), Duration.ofSeconds(60));
      assertTrue(DaemonUnderTest.data(failed.value()).getString("reason").contains("503"));

      // The node stays down, its hook works again: the recovery is asked again and goes through.
      Await.await("mysql-0 recovered onto kube-node01 after the hook's one failure (calls to the hook: "
          + fence.to("/fence").size() + ")", Duration.ofSeconds(60),
          () -> {
            io.fabric8.kubernetes.api.model.Pod p = DaemonAutomaticRecoveryTest.mysql(k); // gone a moment, then made again
            return p != null && "kube-node01".equals(p.getSpec().getNodeName());
          });
      assertTrue(DaemonAutomaticRecoveryTest.outOfService(k.nodes().withName(NODE).get()));
    }
  }
}
