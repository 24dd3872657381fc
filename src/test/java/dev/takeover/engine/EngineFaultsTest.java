package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.sim.RequestHook;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the API server does behind the engine's back, at the worst moment: a pod scheduled between plan and cordon, a
 * cordon refused, a node deleted mid-run, records left by earlier runs. Faults are injected at the simulated API
 * server, on the engine's own requests, so these run on the simulator only.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineFaultsTest {
  static final String NODE = "kube-node02";

  final AtomicReference<RequestHook> fault = new AtomicReference<>();
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
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
    EventStream stream = new EventStream(vertx);
    stream.subscribe(events::add);
    engine = Engine.start(vertx, kube, EngineConfig.defaults().withDrainTimeout(Duration.ofSeconds(10))
        .withConfirmTimeout(Duration.ofSeconds(10)), stream, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    engine.close();
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    sim.close();
  }

  private Outcome run(Ticket ticket) throws Exception {
    return engine.submit(ticket).await(60, TimeUnit.SECONDS);
  }

  private Node node() {
    return sim.client().nodes().withName(NODE).get();
  }

  private static boolean isPatchOf(RecordedRequest r, String path) {
    return "PATCH".equals(r.getMethod()) && r.getPath().startsWith(path);
  }

  private static String body(RecordedRequest r) {
    return new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  /** Lets a pod "late" be created on the node just before the engine's cordon reaches the API server. */
  private void latePodBeforeTheCordon() {
    AtomicBoolean once = new AtomicBoolean();
    fault.set((r, next) -> {
      if (isPatchOf(r, "/api/v1/nodes/" + NODE) && body(r).contains("\"unschedulable\":true") && once.compareAndSet(false, true)) {
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"late\",\"namespace\":\"default\"},"
            + "\"spec\":{\"nodeName\":\"" + NODE + "\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
        next.dispatch(new RecordedRequest(r.getHttpVersion(), io.fabric8.mockwebserver.dsl.HttpMethod.POST,
            "/api/v1/namespaces/default/pods", r.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
            new Buffer(pod.getBytes(StandardCharsets.UTF_8))));
      }
      return null;
    });
  }

  @Test
  void a_pod_scheduled_between_plan_and_cordon_is_not_left_behind_it_stops_the_run_by_name() throws Exception {
    latePodBeforeTheCordon();
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.FAILED, out.status(), out.reason());
    assertTrue(out.reason().contains("the node's pods changed before the cordon took effect"), out.reason());
    assertTrue(out.reason().contains("default/late"), out.reason());
    assertFalse(Boolean.TRUE.equals(node().getSpec().getUnschedulable()), "uncordoned after the failure");
  }

  @Test
  void a_pod_scheduled_between_plan_and_cordon_is_evicted_too_when_the_plan_allows_it() throws Exception {
    latePodBeforeTheCordon();
    Ticket.Options force = new Ticket.Options(false, false, false, true, false, false, null, null);
    Outcome out = run(Ticket.takeover(NODE, force, "test", "", ""));

    assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertNull(sim.client().pods().inNamespace("default").withName("late").get(), "the late pod was evicted");
    assertTrue(events.stream().anyMatch(e -> "takeover.warning".equals(e.getString("type"))
        && e.getString("message").contains("after the plan, before the cordon: default/late")));
  }

  @Test
  void a_refused_cordon_leaves_the_node_as_it_was_and_says_so() throws Exception {
    fault.set((r, next) -> isPatchOf(r, "/api/v1/nodes/" + NODE)
        ? new MockResponse().setResponseCode(403).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"nodes \\\"" + NODE
                + "\\\" is forbidden: User \\\"takeover\\\" cannot patch resource \\\"nodes\\\"\",\"reason\":\"Forbidden\",\"code\":403}")
        : null);
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.FAILED, out.status());
    assertTrue(out.reason().startsWith("cordon node " + NODE + ": 403 nodes \"" + NODE + "\" is forbidden"), out.reason());
    assertEquals(Outcome.NodeState.SCHEDULABLE, out.nodeLeft(), out.reason());
    assertFalse(Boolean.TRUE.equals(node().getSpec().getUnschedulable()));
  }

  @Test
  void a_node_deleted_during_the_run_is_reported_as_gone_not_as_a_java_error() throws Exception {
    AtomicBoolean gone = new AtomicBoolean();
    fault.set((r, next) -> {
      if (!r.getPath().startsWith("/api/v1/nodes/" + NODE)) {
        return null;
      }
      if (gone.get()) {
        return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"nodes \\\"" + NODE
                + "\\\" not found\",\"reason\":\"NotFound\",\"code\":404}");
      }
      if (isPatchOf(r, "/api/v1/nodes/" + NODE) && body(r).contains("\"confirm\"")) {
        gone.set(true);
      }
      return null;
    });
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.FAILED, out.status());
    assertTrue(out.reason().contains("node " + NODE + " no longer exists"), out.reason());
    assertFalse(out.reason().contains("Cannot invoke"), out.reason());
    assertEquals(Outcome.NodeState.UNKNOWN, out.nodeLeft());
  }

  @Test
  void a_schedulable_node_with_an_old_record_saying_someone_else_cordoned_it_is_cordoned_and_uncordoned_by_takeover()
      throws Exception {
    sim.client().nodes().withName(NODE).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"takeover.dev/run\":\"run-dead\",\"takeover.dev/ticket\":\"tk\","
            + "\"takeover.dev/step\":\"drain\",\"takeover.dev/cordoned-by-takeover\":\"false\"}}}");
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertEquals(Outcome.NodeState.SCHEDULABLE, out.nodeLeft());
    assertFalse(Boolean.TRUE.equals(node().getSpec().getUnschedulable()));
  }

  @Test
  void a_node_held_for_maintenance_stays_takeovers_own_through_another_run_and_a_release() throws Exception {
    Outcome held = run(Ticket.takeover(NODE, Ticket.Options.defaults().withKeepCordoned(true), "test", "", ""));
    assertEquals(Outcome.NodeState.CORDONED, held.nodeLeft());
    Outcome again = run(Ticket.takeover(NODE, Ticket.Options.defaults().withKeepCordoned(true), "test", "", ""));
    assertEquals(Outcome.Status.SUCCEEDED, again.status(), again.reason());
    assertTrue(NodeRecord.read(node()).cordonedByTakeover(), "still Takeover's cordon");

    Outcome released = run(Ticket.release(NODE, "test", "", ""));
    assertEquals(Outcome.Status.SUCCEEDED, released.status(), released.reason());
    assertFalse(Boolean.TRUE.equals(node().getSpec().getUnschedulable()));
  }

  /**
   * The eviction of mysql-0 is answered once with a 409 whose body says nothing known; when {@code replaced}, the
   * pod is deleted at once first (its StatefulSet recreates it with another uid).
   */
  private void oneUnexplainedConflict(boolean replaced) {
    AtomicBoolean once = new AtomicBoolean();
    fault.set((r, next) -> {
      if ("POST".equals(r.getMethod()) && r.getPath().endsWith("/pods/mysql-0/eviction") && once.compareAndSet(false, true)) {
        if (replaced) {
          next.dispatch(new RecordedRequest(r.getHttpVersion(), io.fabric8.mockwebserver.dsl.HttpMethod.DELETE,
              "/api/v1/namespaces/default/pods/mysql-0", r.getHeaders().newBuilder().set("Content-Type", "application/json")
              .build(), new Buffer("{\"gracePeriodSeconds\":0}".getBytes(StandardCharsets.UTF_8))));
        }
        return new MockResponse().setResponseCode(409).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"a wording"
                + " no release of Kubernetes uses\",\"reason\":\"Conflict\",\"code\":409}");
      }
      return null;
    });
  }

  private JsonObject evicted(String pod) {
    return events.stream().filter(e -> "takeover.pod.evicted".equals(e.getString("type")) && pod.equals(e.getString("pod")))
        .findFirst().orElseThrow();
  }

  @Test
  void a_conflict_of_unknown_wording_on_a_pod_still_there_is_read_again_and_retried_not_taken_for_gone() throws Exception {
    oneUnexplainedConflict(false);
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertEquals("evicted", evicted("default/mysql-0").getString("how"));
    assertEquals(2, evicted("default/mysql-0").getInteger("attempts"));
  }

  @Test
  void a_conflict_of_unknown_wording_after_the_pod_was_replaced_is_read_again_and_taken_for_gone() throws Exception {
    oneUnexplainedConflict(true);
    Outcome out = run(Ticket.takeover(NODE, null, "test", "", ""));

    assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
    assertEquals("already-gone", evicted("default/mysql-0").getString("how"));
    assertEquals(1, evicted("default/mysql-0").getInteger("attempts"));
  }
}
