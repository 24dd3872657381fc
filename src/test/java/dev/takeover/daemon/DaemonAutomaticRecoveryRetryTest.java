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

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  /**
   * The daemon restarted (or another replica leading) after a failed attempt: it reports the node down again and
   * asks for the same ticket, which must be the scheduler's duplicate (state failed), so that the next attempt is
   * asked at once. Before, the ask carried the report's own words ("… (14 s, grace 2 s)"): the same id with other
   * content, rejected as a conflict, and no attempt was ever asked again in that down period.
   */
  @Test
  void after_a_restart_a_failed_attempt_is_followed_by_the_next_one_at_once() {
    // A long recoverAfter: the first daemon is stopped well before it would ask the next attempt itself.
    java.util.function.UnaryOperator<DaemonConfig> slow = c -> c.withDeadNodes(new DaemonConfig.DeadNodes(
        c.deadNodes().grace(), c.deadNodes().recovery().withRecoverAfter(Duration.ofSeconds(10)),
        c.deadNodes().fencing()));
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); SlackEndpoint fence = new SlackEndpoint()) {
      DaemonConfig config = slow.apply(DaemonAutomaticRecoveryTest.config("autorestart", fence));
      fence.answerNext("/fence", 503, -1);
      cluster.stopNode(NODE);
      String first;
      try (DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
        ConsumerRecord<String, CloudEvent> failed = d.awaitRecord(x -> x.value().getType().equals(
            "dev.takeover.ticket.failed"), Duration.ofSeconds(60));
        first = DaemonUnderTest.data(failed.value()).getString("ticket");
      }
      long restarted = System.nanoTime();
      try (DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
        java.util.List<CloudEvent> again = d.awaitEvent(first, DaemonUnderTest.type("duplicate")
            .or(DaemonUnderTest.type("rejected")), Duration.ofSeconds(60));
        CloudEvent told = again.get(again.size() - 1);
        assertEquals("dev.takeover.ticket.duplicate", told.getType(), DaemonUnderTest.data(told).encode());
        assertEquals("failed", DaemonUnderTest.data(told).getString("state"));
        d.awaitEvent(first + "-2", DaemonUnderTest.type("completed"), Duration.ofSeconds(60));
        System.out.printf("restart after a failed attempt: attempt 2 completed %.1f s after the restart%n",
            (System.nanoTime() - restarted) / 1e9);
        assertEquals("kube-node01", DaemonAutomaticRecoveryTest.mysql(cluster.client()).getSpec().getNodeName());
      }
    }
  }
}
