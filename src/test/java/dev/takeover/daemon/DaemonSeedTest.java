package dev.takeover.daemon;

import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's §12.3 as the daemon does it: a ticket on Kafka, the run on the simulated cluster, the story back on
 * Kafka as CloudEvents.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonSeedTest {

  @Test
  void the_seed_ticket_on_kafka_moves_mysql_0_and_tells_each_step_as_cloudevents() {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast()); DaemonUnderTest d = new DaemonUnderTest(cluster, 1)) {
      String before = cluster.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
      d.publish("kube-node02", """
          { "id": "CHG-1042", "action": "takeover", "node": "kube-node02",
            "requestedBy": "alice", "reason": "replace disk", "extra": "ignored" }""");

      List<CloudEvent> events = d.awaitEvent("CHG-1042", type("completed").or(type("failed")), Duration.ofSeconds(90));

      List<String> types = types(events);
      assertEquals("accepted", types.get(0), types.toString());
      assertEquals("started", types.get(1), types.toString());
      assertEquals("completed", types.get(types.size() - 1), types.toString());
      assertTrue(types.indexOf("pod") > types.indexOf("step"), types.toString());
      for (CloudEvent e : events) {
        assertEquals("1.0", e.getSpecVersion().toString());
        assertEquals("kube-node02", e.getSubject());
        assertEquals("/takeover/test", e.getSource().toString());
      }
      assertEquals(events.size(), events.stream().map(CloudEvent::getId).distinct().count(), "ids are unique");
      List<String> steps = events.stream().filter(type("step"))
          .filter(e -> "takeover.step.finished".equals(DaemonUnderTest.data(e).getString("type")))
          .map(e -> DaemonUnderTest.data(e).getString("step")).toList();
      assertEquals(List.of("plan", "cordon", "drain", "confirm", "uncordon"), steps);
      CloudEvent confirmed = events.stream().filter(type("pod"))
          .filter(e -> "takeover.pod.confirmed".equals(DaemonUnderTest.data(e).getString("type"))).findFirst().orElseThrow();
      assertEquals("kube-node01", DaemonUnderTest.data(confirmed).getString("toNode"));
      assertEquals("pv1", DaemonUnderTest.data(confirmed).getJsonArray("claims").getJsonObject(0).getString("volume"));

      Pod after = cluster.client().pods().inNamespace("default").withName("mysql-0").get();
      assertNotEquals(before, after.getMetadata().getUid());
      assertEquals("kube-node01", after.getSpec().getNodeName());
      assertEquals("pvc-mysql-0", after.getSpec().getVolumes().stream()
          .filter(v -> v.getPersistentVolumeClaim() != null).findFirst().orElseThrow()
          .getPersistentVolumeClaim().getClaimName());
      Node node = cluster.client().nodes().withName("kube-node02").get();
      assertTrue(node.getSpec().getUnschedulable() == null || !node.getSpec().getUnschedulable(), "uncordoned");
    }
  }
}
