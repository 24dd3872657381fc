package dev.takeover.scenarios;

import dev.takeover.config.Backoff;
import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.Daemon;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's §12.3 from a ticket on Kafka: the daemon (its own verticles, a real KRaft broker started by the build)
 * takes the node of mysql-0 over and tells it as CloudEvents, on the simulated cluster and, with {@code -Pe2e}, on a
 * real one (its first worker, in a fresh namespace): the daemon's cluster view, limits and node checks judged
 * against a real control plane.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonTicketTest {

  @Test
  void a_takeover_ticket_on_kafka_moves_mysql_0_with_its_volume_and_the_events_tell_it_in_order() throws Exception {
    Path real = TestCluster.realKubeconfig();
    if (real == null) {
      try (TestCluster cluster = Clusters.Simulated.seed()) {
        ticketMovesMysql(cluster, "default", "kube-node02", "pv1");
      }
    } else {
      try (TestCluster cluster = new RealCluster(real); Scene scene = Scene.in(cluster, "daemon")) {
        String node = scene.workers().get(0);
        String pv = scene.volumeName("pv1");
        scene.volume(pv, "1Gi", "pvc-mysql-0", null).headlessService("mysql", "mysql-sts", 3306)
            .placedOn(node, 1, () -> scene.statefulSet("mysql", "mysql-sts", 1, "1Gi", spec -> { }));
        ticketMovesMysql(cluster, scene.ns, node, pv);
      }
    }
  }

  private static void ticketMovesMysql(TestCluster cluster, String ns, String node, String pv) throws Exception {
    KubernetesClient k = cluster.client();
    Pod before = k.pods().inNamespace(ns).withName("mysql-0").get();
    assertEquals(node, before.getSpec().getNodeName());
    String prefix = TestBroker.unique("scenario");
    String bootstrap = TestBroker.bootstrap();
    EngineConfig engine = EngineConfig.defaults()
        .withEvictionBackoff(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.2))
        .withDrainTimeout(cluster.patience()).withConfirmTimeout(cluster.patience());
    DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
        new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
        prefix, 1, (short) -1), engine, new DaemonConfig.Tickets(65536, Duration.ofMillis(200)), "scenario");

    Vertx vertx = Vertx.vertx();
    Kube kube = Kube.connect(vertx, cluster.config(), 8, "takeover-scenario");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
        "acks", "all"), new StringSerializer(), new StringSerializer());
         KafkaConsumer<String, String> events = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
             "group.id", prefix + "-reader", "auto.offset.reset", "earliest"), new StringDeserializer(),
             new StringDeserializer())) {
      Daemon daemon = Daemon.start(vertx, config, kube, Clock.systemUTC()).await(60, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(prefix + ".tickets", node, new JsonObject().put("id", "CHG-1042")
          .put("action", "takeover").put("node", node).put("requestedBy", "scenario").encode()))
          .get(30, TimeUnit.SECONDS);
      events.subscribe(List.of(prefix + ".events"));
      List<JsonObject> story = new ArrayList<>();
      long deadline = System.nanoTime() + cluster.patience().multipliedBy(3).toNanos();
      while (story.stream().noneMatch(e -> e.getString("type").matches(".*\\.(completed|failed|rejected)"))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : events.poll(Duration.ofMillis(200))) {
          assertEquals("CHG-1042", r.key());
          story.add(new JsonObject(r.value()));
        }
      }
      daemon.stop().await(30, TimeUnit.SECONDS);

      List<String> types = story.stream().map(e -> e.getString("type").replace("dev.takeover.ticket.", "")).toList();
      assertEquals("accepted", types.get(0), types.toString());
      assertEquals("started", types.get(1), types.toString());
      assertEquals("completed", types.get(types.size() - 1), types.toString() + story.get(story.size() - 1));
      List<String> steps = story.stream().map(e -> e.getJsonObject("data"))
          .filter(d -> "takeover.step.finished".equals(d.getString("type"))).map(d -> d.getString("step")).toList();
      assertEquals(List.of("plan", "cordon", "drain", "confirm", "uncordon"), steps);
      // On a shared real cluster the node may run other StatefulSet pods too: they move and are confirmed as well.
      JsonObject confirmed = story.stream().map(e -> e.getJsonObject("data"))
          .filter(d -> "takeover.pod.confirmed".equals(d.getString("type")))
          .filter(d -> (ns + "/mysql-0").equals(d.getString("pod"))).findFirst()
          .orElseThrow(() -> new AssertionError("no confirmed " + ns + "/mysql-0 in " + story));
      assertEquals(pv, confirmed.getJsonArray("claims").getJsonObject(0).getString("volume"));
      assertTrue(story.stream().allMatch(e -> node.equals(e.getString("subject"))
          && "/takeover/scenario".equals(e.getString("source"))), story.toString());

      Pod after = k.pods().inNamespace(ns).withName("mysql-0").get();
      assertNotEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
      assertEquals(confirmed.getString("toNode"), after.getSpec().getNodeName());
      assertNotEquals(node, after.getSpec().getNodeName());
      PersistentVolumeClaim pvc = k.persistentVolumeClaims().inNamespace(ns).withName("pvc-mysql-0").get();
      assertEquals(pv, pvc.getSpec().getVolumeName());
      assertTrue(k.nodes().withName(node).get().getSpec().getUnschedulable() == null
          || !k.nodes().withName(node).get().getSpec().getUnschedulable(), "uncordoned");
    } finally {
      kube.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
