package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Await;
import dev.takeover.sim.RequestHook;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Review of issue 14: the kubelet of a node being recovered comes back between the engine's last read of its Lease
 * and its taint. As after a reboot (a fence agent's default action is reboot), it renews its Lease and posts its
 * status with Ready False (KubeletNotReady: the network plugin is not ready yet); that status write makes the
 * engine's taint patch answer 409, so the engine reads the node again and decides again. The Lease must be read again
 * too: "never act on a node whose Lease is renewed at the moment of acting".
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RecoverRaceTest {
  static final String NODE = "kube-node02";
  static final RecoveryConfig MANUAL = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.MANUAL)
      .withRecoverAfter(Duration.ofSeconds(1)).withPodGcWait(Duration.ofSeconds(5));
  static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
      .withZone(ZoneOffset.UTC);

  final AtomicReference<RequestHook> fault = new AtomicReference<>();
  SimulatedCluster sim;
  Vertx vertx;
  Kube kube;
  Engine engine;

  @BeforeEach
  void start() throws Exception {
    sim = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      String agent = request.getHeader("User-Agent");
      RequestHook f = fault.get();
      return f == null || agent == null || !agent.contains("takeover-engine") ? null : f.handle(request, next);
    }).start();
    Seed.apply(sim);
    vertx = Vertx.vertx();
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).withUserAgent("takeover-engine")
        .build();
    kube = Kube.connect(vertx, config, 4, "test");
    engine = Engine.start(vertx, kube, EngineConfig.defaults().withConfirmTimeout(Duration.ofSeconds(20)),
        new Engine.Recovering(MANUAL, null), new EventStream(vertx), Clock.systemUTC()).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    engine.close();
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    sim.close();
  }

  @Test
  void a_kubelet_that_renews_its_lease_while_the_taint_is_retried_after_a_conflict_is_never_tainted() throws Exception {
    String oldUid = sim.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
    sim.stopNode(NODE);
    Await.await(NODE + " NotReady with its Lease expired", Duration.ofSeconds(30),
        () -> !ready(node()) && !leaseRenewed());
    AtomicBoolean once = new AtomicBoolean();
    AtomicInteger conflicts = new AtomicInteger();
    fault.set((r, next) -> {
      if ("PATCH".equals(r.getMethod()) && r.getPath().startsWith("/api/v1/nodes/" + NODE)
          && body(r).contains("out-of-service") && once.compareAndSet(false, true)) {
        kubeletComesBack(r, next);
        MockResponse answer = next.dispatch(r);
        if (answer.code() == 409) {
          conflicts.incrementAndGet();
        }
        return answer;
      }
      return null;
    });

    Outcome out = engine.submit(Ticket.recover(NODE, true, "test", "alice", "the node stopped answering"))
        .await(60, TimeUnit.SECONDS);

    assertEquals(1, conflicts.get(), "the kubelet's status write made the first taint patch a conflict");
    assertTrue(leaseRenewed(), "the kubelet's Lease is renewed now");
    assertTrue(outOfService(node()) == null, "a node whose kubelet renews its Lease was tainted out-of-service: "
        + out.status() + " " + out.reason());
    assertNotEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertEquals(oldUid, sim.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid(),
        "mysql-0 left alone");
  }

  /** What a rebooted kubelet does first: renews its Lease, then posts Ready False (KubeletNotReady). */
  private static void kubeletComesBack(RecordedRequest r, io.fabric8.mockwebserver.http.Dispatcher next) {
    String now = MICRO.format(Instant.now());
    next.dispatch(new RecordedRequest(r.getHttpVersion(), io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + NODE,
        r.getHeaders().newBuilder().set("Content-Type", "application/merge-patch+json").build(),
        new Buffer(new JsonObject().put("spec", new JsonObject().put("renewTime", now)).encode()
            .getBytes(StandardCharsets.UTF_8))));
    String second = Instant.now().toString().replaceAll("\\.\\d+Z$", "Z");
    JsonObject ready = new JsonObject().put("type", "Ready").put("status", "False").put("reason", "KubeletNotReady")
        .put("message", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady")
        .put("lastHeartbeatTime", second).put("lastTransitionTime", second);
    next.dispatch(new RecordedRequest(r.getHttpVersion(), io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
        "/api/v1/nodes/" + NODE + "/status",
        r.getHeaders().newBuilder().set("Content-Type", "application/merge-patch+json").build(),
        new Buffer(new JsonObject().put("status", new JsonObject().put("conditions", new JsonArray().add(ready)))
            .encode().getBytes(StandardCharsets.UTF_8))));
  }

  private static String body(RecordedRequest r) {
    return new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private Node node() {
    return sim.client().nodes().withName(NODE).get();
  }

  private boolean leaseRenewed() {
    var lease = sim.client().leases().inNamespace("kube-node-lease").withName(NODE).get();
    return lease != null && lease.getSpec().getRenewTime() != null && lease.getSpec().getRenewTime().toInstant()
        .plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isAfter(Instant.now());
  }

  private static boolean ready(Node node) {
    return node.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static io.fabric8.kubernetes.api.model.Taint outOfService(Node node) {
    return node.getSpec().getTaints() == null ? null : node.getSpec().getTaints().stream()
        .filter(t -> "node.kubernetes.io/out-of-service".equals(t.getKey()) && "NoExecute".equals(t.getEffect()))
        .findFirst().orElse(null);
  }
}
