package dev.takeover.cluster;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.daemon.EngineVerticle;
import dev.takeover.engine.NodeRecord;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.schedule.NodesDown;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.subscribers.KubeEventRecorder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead-node watch on the seed's cluster (kube-master, kube-node01, kube-node02; mysql-0 on kube-node02), with a
 * grace of 2 s: the partition guard when both workers stop, and the end of an out-of-service taint on a node that
 * carries Takeover's marker. The engine's end-out-of-service is a small consumer here that removes the marker and
 * answers as the engine does.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodeWatchTest {
  static final Duration GRACE = Duration.ofSeconds(2);

  SimulatedCluster cluster;
  KubernetesClient k;
  Vertx vertx;
  Kube kube;
  KubeEventRecorder recorder;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
  /** What was told, as the leader's scheduler keeps it on the state topic (schedule.NodesDown answers the same). */
  final Map<String, JsonObject> toldState = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeEach
  void start() {
    cluster = Seed.cluster(SimTiming.fast());
    k = cluster.client();
    vertx = Vertx.vertx();
    kube = Kube.connect(vertx, k.getConfiguration(), 4, "dead-node-watch-test");
    vertx.eventBus().<JsonObject>consumer(DeadNodeWatch.ADDRESS, m -> events.add(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(NodesDown.ALL, m -> m.reply(new JsonObject().put("nodes",
        new JsonObject(new java.util.HashMap<>(toldState)))));
    vertx.eventBus().<JsonObject>localConsumer(NodesDown.TOLD, m -> {
      JsonObject data = m.body().getJsonObject("data");
      if (data == null) {
        toldState.remove(m.body().getString("node"));
      } else {
        toldState.put(m.body().getString("node"), data);
      }
      m.reply(new JsonObject());
    });
    recorder = new KubeEventRecorder(kube, new EventStream(vertx)).nodeEventsOn(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    recorder.close();
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    cluster.close();
  }

  void deployWatch() throws Exception {
    vertx.deployVerticle(new DeadNodeWatch(kube, GRACE, RecoveryConfig.defaults(), Duration.ofSeconds(60),
        Clock.systemUTC())).await(30, TimeUnit.SECONDS);
  }

  List<JsonObject> ofType(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  JsonObject awaitOne(String type, Duration bound) {
    Await.await(type + " on " + DeadNodeWatch.ADDRESS, bound, () -> !ofType(type).isEmpty());
    return ofType(type).get(0);
  }

  JsonObject guard() throws Exception {
    return vertx.eventBus().<JsonObject>request(DeadNodeWatch.GUARD, new JsonObject()).await(5, TimeUnit.SECONDS)
        .body();
  }

  @Test
  void both_workers_stopped_is_two_of_three_nodes_down_a_partition_told_once_and_its_end_when_they_start()
      throws Exception {
    deployWatch();
    Await.await("the guard synced", Duration.ofSeconds(10), () -> {
      try {
        return guard().getBoolean("synced");
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals(new JsonObject().put("synced", true).put("down", new JsonArray()).put("total", 3).put("held", false),
        guard());

    cluster.stopNode("kube-node01");
    cluster.stopNode("kube-node02");
    JsonObject partitioned = awaitOne(DeadNodeWatch.PARTITIONED, Duration.ofSeconds(15));
    assertEquals("", partitioned.getString("node"));
    JsonObject data = partitioned.getJsonObject("data");
    assertEquals(new JsonArray().add("kube-node01").add("kube-node02"), data.getJsonArray("down"));
    assertEquals(3, data.getInteger("total"), "the control-plane node counts as a node");
    assertEquals(1.0 / 3, data.getDouble("maxDownShare"));
    assertTrue(data.getString("reason").startsWith("2 of 3 nodes are down"), data.getString("reason"));
    assertTrue(guard().getBoolean("held"));

    // Detection goes on: mysql-0's node is said down after the grace, and the partition is not told again.
    JsonObject down = awaitOne(DeadNodeWatch.DOWN, Duration.ofSeconds(15));
    assertEquals("kube-node02", down.getString("node"));
    assertEquals(1, ofType(DeadNodeWatch.PARTITIONED).size());

    cluster.startNode("kube-node01");
    JsonObject over = awaitOne(DeadNodeWatch.PARTITION_OVER, Duration.ofSeconds(15));
    assertEquals(new JsonArray().add("kube-node02"), over.getJsonObject("data").getJsonArray("down"));
    assertEquals(false, guard().getBoolean("held"));
    assertEquals(1, ofType(DeadNodeWatch.PARTITIONED).size());
    assertEquals(List.of(), ofType(DeadNodeWatch.TAINT_REMOVED), "no marker, nothing asked of the engine");
  }

  @Test
  void a_marked_node_that_is_ready_has_its_taint_removed_once_by_the_engine_even_when_the_mark_predates_the_watch()
      throws Exception {
    String node = "kube-node01";
    mark(node, "t-7");
    List<JsonObject> asked = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(EngineVerticle.END_OUT_OF_SERVICE, m -> {
      asked.add(m.body());
      String name = m.body().getString("node");
      // As the engine would: re-read, remove what Takeover put there, answer with the ticket of the marker.
      vertx.executeBlocking(() -> {
        String ticket = k.nodes().withName(name).get().getMetadata().getAnnotations().get(NodeRecord.OUT_OF_SERVICE);
        k.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + NodeRecord.OUT_OF_SERVICE + "\":null}}}");
        return ticket;
      }).onComplete(ar -> m.reply(new JsonObject().put("removed", ar.succeeded()).put("ticket", ar.result())
          .put("reason", ar.succeeded() ? "node Ready, Lease renewed: out-of-service taint removed" : "failed")));
    }).completion().await(5, TimeUnit.SECONDS);
    deployWatch();

    JsonObject removed = awaitOne(DeadNodeWatch.TAINT_REMOVED, Duration.ofSeconds(10));
    assertEquals(node, removed.getString("node"));
    assertEquals(new JsonObject().put("ticket", "t-7")
        .put("reason", "node Ready, Lease renewed: out-of-service taint removed"), removed.getJsonObject("data"));
    assertEquals(List.of(new JsonObject().put("node", node)), asked);
    Map<String, String> annotations = k.nodes().withName(node).get().getMetadata().getAnnotations();
    assertNull(annotations == null ? null : annotations.get(NodeRecord.OUT_OF_SERVICE));

    Event event = awaitNodeEvent(node, "OutOfServiceRemoved");
    assertEquals("Normal", event.getType());
    assertTrue(event.getMessage().contains("recover ticket t-7"), event.getMessage());
    // Another marked node is a later pass that also looked at kube-node01: it is not asked again.
    mark("kube-master", "t-8");
    Await.await("kube-master's taint removed", Duration.ofSeconds(10),
        () -> ofType(DeadNodeWatch.TAINT_REMOVED).size() == 2);
    assertEquals(List.of(new JsonObject().put("node", node), new JsonObject().put("node", "kube-master")), asked);
    assertEquals("t-8", ofType(DeadNodeWatch.TAINT_REMOVED).get(1).getJsonObject("data").getString("ticket"));
    awaitNodeEvent("kube-master", "OutOfServiceRemoved");
  }

  @Test
  void a_down_period_an_earlier_leader_told_is_not_told_again_but_its_end_is() throws Exception {
    cluster.stopNode("kube-node02");
    Await.await("kube-node02 not Ready", Duration.ofSeconds(15), () -> notReadySince("kube-node02") != null);
    toldState.put("kube-node02", told(notReadySince("kube-node02")));
    deployWatch();

    JsonObject retold = awaitOne(DeadNodeWatch.DOWN, Duration.ofSeconds(15));
    assertTrue(DeadNodeWatch.retold(retold), "for this process's gauge and automatic recovery only: " + retold);
    assertEquals("pvc-mysql-0", retold.getJsonObject("data").getJsonArray("pods").getJsonObject(0)
        .getJsonArray("claims").getJsonObject(0).getString("claim"), "what was told, as it was told");

    cluster.startNode("kube-node02");
    JsonObject back = awaitOne(DeadNodeWatch.RECOVERED, Duration.ofSeconds(15));
    assertTrue(back.getJsonObject("data").getString("reason").startsWith("Ready again after"), back.encode());
    awaitNodeEvent("kube-node02", "NodeRecovered");
    // The recorder writes in order: a NodeDown for the retold event would be there before the NodeRecovered.
    assertNull(nodeEvent("kube-node02", "NodeDown"), "told again to people");
    assertEquals(1, ofType(DeadNodeWatch.DOWN).size());
    Await.await("the end recorded on the state topic", Duration.ofSeconds(5), toldState::isEmpty);
  }

  @Test
  void a_node_that_came_back_while_no_replica_watched_it_is_told_recovered_by_the_next() throws Exception {
    toldState.put("kube-node02", told(java.time.Instant.parse("2026-12-01T08:00:00Z")));
    deployWatch();

    JsonObject back = awaitOne(DeadNodeWatch.RECOVERED, Duration.ofSeconds(15));
    assertEquals("kube-node02", back.getString("node"));
    assertTrue(back.getJsonObject("data").getString("reason").contains("came back while no replica watched it"),
        back.encode());
    assertEquals(new JsonArray().add(new JsonObject().put("pod", "default/mysql-0")),
        back.getJsonObject("data").getJsonArray("pods"));
    awaitNodeEvent("kube-node02", "NodeRecovered");
    Await.await("the end recorded on the state topic", Duration.ofSeconds(5), toldState::isEmpty);
    assertEquals(List.of(), ofType(DeadNodeWatch.DOWN));
  }

  /** What a node.down said of kube-node02 (mysql-0 stuck there), not Ready since {@code since}. */
  static JsonObject told(java.time.Instant since) {
    return new JsonObject().put("pods", new JsonArray().add(new JsonObject().put("pod", "default/mysql-0")
            .put("claims", new JsonArray().add(new JsonObject().put("claim", "pvc-mysql-0").put("volume", "pv1")))))
        .put("notReadySince", since.toString()).put("leaseRenewedAt", since.minusSeconds(3).toString())
        .put("reason", "Ready Unknown (NodeStatusUnknown) since " + since).put("policy", "notify");
  }

  java.time.Instant notReadySince(String node) {
    return k.nodes().withName(node).get().getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()) && !"True".equals(c.getStatus()))
        .map(c -> java.time.Instant.parse(c.getLastTransitionTime())).findFirst().orElse(null);
  }

  void mark(String node, String ticket) {
    k.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + NodeRecord.OUT_OF_SERVICE + "\":\"" + ticket + "\"}}}");
  }

  Event awaitNodeEvent(String node, String reason) {
    Event[] found = new Event[1];
    Await.await(reason + " Event on " + node, Duration.ofSeconds(10), () -> (found[0] = nodeEvent(node, reason)) != null);
    return found[0];
  }

  Event nodeEvent(String node, String reason) {
    return k.v1().events().inNamespace("default").list().getItems().stream()
        .filter(ev -> reason.equals(ev.getReason()) && node.equals(ev.getInvolvedObject().getName()))
        .findFirst().orElse(null);
  }
}
