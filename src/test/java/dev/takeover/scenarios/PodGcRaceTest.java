package dev.takeover.scenarios;

import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.sim.RequestHook;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.controllers.StatefulSetPods;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.takeover.scenarios.DeadNodeScene.MANUAL;
import static dev.takeover.scenarios.DeadNodeScene.assertMovedOnce;
import static dev.takeover.scenarios.DeadNodeScene.mysqlOnDead;
import static dev.takeover.scenarios.DeadNodeScene.recover;
import static dev.takeover.scenarios.DeadNodeScene.stopAndAwaitDown;
import static dev.takeover.scenarios.DeadNodeScene.taintSummary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pod GC is not event-driven: it runs every 20 s (gcCheckPeriod). With {@code deadNodes.podGcWait} shorter than
 * that, Takeover force-deletes the stuck pods itself, while pod GC may be about to: whichever comes first, the other
 * must find nothing to do, and mysql-0 is made again exactly once. Simulator only: a real node cannot be stopped here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodGcRaceTest {

  @BeforeEach
  void simulatorOnly() {
    Assumptions.assumeTrue(TestCluster.realKubeconfig() == null, "a node can only be stopped on the simulated cluster");
  }

  @Test
  void with_a_pod_gc_wait_shorter_than_pod_gcs_period_takeover_force_deletes_and_mysql_0_is_made_once() {
    // Pod GC next runs a minute after the cluster started (Kubernetes: every 20 s); Takeover waits 1 s for it.
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(b -> b.timing(SimTiming.fast()
        .withPodGcPeriod(Duration.ofMinutes(1))));
         Scene s = Scene.in(sim, "gc-wait-short")) {
      String pv = mysqlOnDead(s, false);
      try (EngineHarness h = new EngineHarness(sim, c -> c,
          new Engine.Recovering(MANUAL.withPodGcWait(Duration.ofSeconds(1)), null));
           DeadNodeScene.Incarnations mysql = new DeadNodeScene.Incarnations(sim, s.ns)) {
        stopAndAwaitDown(sim, s.ns);

        long start = System.nanoTime();
        EngineHarness.Result r = h.submit(recover());
        System.out.printf("pod GC wait 1 s < pod GC period: recovered in %d ms%n", (System.nanoTime() - start) / 1_000_000);

        assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
        assertTrue(taintSummary(r).contains("force-deleted " + s.ns + "/mysql-0 (pod GC had not deleted them"),
            taintSummary(r));
        assertMovedOnce(r, mysql, pv);
      }
    }
  }

  /** Who gets to mysql-0 in the instant before Takeover's force delete, and what the API server then answers. */
  enum FirstThere {
    /** Pod GC's run force-deleted it (marked Failed, deleted with grace 0): 404. */
    POD_GC(404),
    /** ... and the StatefulSet controller made the new mysql-0 already: the UID precondition answers 409. */
    POD_GC_AND_THE_STATEFULSET(409);

    final int answer;

    FirstThere(int answer) {
      this.answer = answer;
    }
  }

  @ParameterizedTest
  @EnumSource(FirstThere.class)
  void when_pod_gc_gets_there_just_before_takeovers_force_delete_the_answer_is_fine_and_mysql_0_is_made_once(
      FirstThere first) {
    AtomicReference<RequestHook> hook = new AtomicReference<>();
    AtomicInteger answered = new AtomicInteger();
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(b -> b.timing(SimTiming.fast()
        .withPodGcPeriod(Duration.ofMinutes(1))).requestHook((req, next) -> hook.get() == null ? null
        : hook.get().handle(req, next)));
         Scene s = Scene.in(sim, "gc-race-" + first.answer)) {
      String pv = mysqlOnDead(s, false);
      hook.set((req, next) -> {
        if (!isTakeoversForceDelete(req, s.ns) || answered.get() != 0) {
          return null;
        }
        podGcCollects(req, next, s.ns);
        if (first == FirstThere.POD_GC_AND_THE_STATEFULSET) {
          statefulSetRecreates(req, next, s.ns);
        }
        MockResponse answer = next.dispatch(req);
        answered.set(answer.code());
        return answer;
      });
      try (EngineHarness h = new EngineHarness(sim, c -> c,
          new Engine.Recovering(MANUAL.withPodGcWait(Duration.ofSeconds(1)), null));
           DeadNodeScene.Incarnations mysql = new DeadNodeScene.Incarnations(sim, s.ns)) {
        stopAndAwaitDown(sim, s.ns);

        EngineHarness.Result r = h.submit(recover());

        assertEquals(first.answer, answered.get(), "what the API server answered Takeover's force delete");
        assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
        assertMovedOnce(r, mysql, pv);
      }
    }
  }

  private static boolean isTakeoversForceDelete(RecordedRequest r, String ns) {
    boolean takeover = r.getHeaders().toMultimap().entrySet().stream().anyMatch(h -> "impersonate-user"
        .equalsIgnoreCase(h.getKey()) && h.getValue().stream().anyMatch(v -> v.contains("takeover")));
    return "DELETE".equals(r.getMethod()) && takeover
        && r.getPath().startsWith("/api/v1/namespaces/" + ns + "/pods/mysql-0")
        && body(r).contains("\"gracePeriodSeconds\":0");
  }

  /** What a pod GC run does to a terminating pod of an out-of-service node (markFailedAndDeletePod). */
  private static void podGcCollects(RecordedRequest r, Dispatcher next, String ns) {
    String pod = "/api/v1/namespaces/" + ns + "/pods/mysql-0";
    next.dispatch(request(r, HttpMethod.PATCH, pod + "/status", "application/merge-patch+json",
        "{\"status\":{\"phase\":\"Failed\"}}"));
    next.dispatch(request(r, HttpMethod.DELETE, pod, "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0}"));
  }

  /** What the StatefulSet controller does next: mysql-0 made again, as it makes it. */
  private static void statefulSetRecreates(RecordedRequest r, Dispatcher next, String ns) {
    MockResponse read = next.dispatch(request(r, HttpMethod.GET, "/apis/apps/v1/namespaces/" + ns
        + "/statefulsets/mysql", "application/json", ""));
    StatefulSet sts = Serialization.unmarshal(new String(read.getBody().getBytes(), StandardCharsets.UTF_8),
        StatefulSet.class);
    MockResponse created = next.dispatch(request(r, HttpMethod.POST, "/api/v1/namespaces/" + ns + "/pods",
        "application/json", Serialization.asJson(StatefulSetPods.newPod(sts, 0))));
    assertEquals(200, created.code() / 100 * 100, "the new mysql-0 made");
  }

  /** A request of the administrator's, beside {@code like} (whose impersonation it does not carry). */
  private static RecordedRequest request(RecordedRequest like, HttpMethod method, String path, String type,
                                         String body) {
    return new RecordedRequest(like.getHttpVersion(), method, path,
        new io.fabric8.mockwebserver.http.Headers.Builder().set("Content-Type", type).build(),
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String body(RecordedRequest r) {
    return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
  }

}
