package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a real API server, a drain of 100 Deployment pods uncordoned the node 0.15 s after the last eviction, while
 * the ReplicaSet's replacements were still Pending: 29 of them went straight back onto the node just drained.
 * Takeover uncordons only once the replacements are scheduled elsewhere, and says what is still Pending and why.
 */
class ReplacementsPlacedTest extends ScenarioBase {
  private static final int REPLICAS = 8;

  /** A Deployment whose pods may run only on nodes labelled for it: today, only {@code node}. */
  private String label;

  private void webOnlyOn(String node) {
    label = "takeover.dev/test-" + scene.ns;
    labelNode(node, "web");
    scene.k.apps().deployments().inNamespace(scene.ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(REPLICAS).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().withNodeSelector(Map.of(label, "web")).withTerminationGracePeriodSeconds(5L)
        .addNewContainer().withName("web").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
    scene.awaitPods(pods -> pods.stream().filter(p -> node.equals(p.getSpec().getNodeName()) && Scene.ready(p)).count()
        == REPLICAS, REPLICAS + " web pods Ready on " + node);
  }

  private void labelNode(String node, String value) {
    scene.k.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\""
        + label + "\":" + (value == null ? "null" : "\"" + value + "\"") + "}}}");
  }

  private List<Pod> webPods() {
    return scene.k.pods().inNamespace(scene.ns).withLabel("app", "web").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  @Test
  void the_node_is_uncordoned_only_once_the_evicted_deployment_pods_are_scheduled_elsewhere() throws Exception {
    List<String> workers = scene.workers();
    String node = workers.get(0);
    String other = workers.get(1);
    webOnlyOn(node);
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      Future<Outcome> run = takeover.engine.submit(Ticket.takeover(node, Ticket.Options.defaults(), "test", "", ""));
      // The replacements can go nowhere yet: the run must be waiting for them, the node still cordoned.
      JsonObject waiting = awaitEvent(takeover, "takeover.placement.waiting", e -> e.getInteger("pending") == REPLICAS);
      assertTrue(waiting.getJsonArray("why").getString(0).contains("Pending: 0/"), waiting.encode());
      assertEquals(Boolean.TRUE, scene.node(node).getSpec().getUnschedulable(), "still cordoned while they are Pending");
      labelNode(other, "web"); // room elsewhere: the scheduler places them on the other worker

      Outcome out = EngineHarness.await(run, cluster.patience().multipliedBy(2));
      assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
      List<Pod> web = webPods();
      assertEquals(REPLICAS, web.size());
      assertTrue(web.stream().allMatch(p -> other.equals(p.getSpec().getNodeName())),
          "every replacement on " + other + ", none back on " + node);
      assertTrue(takeover.events.stream().anyMatch(e -> "takeover.placement.waiting".equals(e.getString("type"))
          && e.getInteger("pending") == 0), "the count fell to 0");
    } finally {
      labelNode(other, null);
      labelNode(node, null);
    }
  }

  @Test
  void replacements_still_pending_at_the_confirm_timeout_are_named_with_the_schedulers_reason() {
    String node = scene.workers().get(0);
    webOnlyOn(node);
    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults()
          .withConfirmTimeout(cluster.simulated() ? Duration.ofSeconds(2) : Duration.ofSeconds(20)));
    } finally {
      labelNode(node, null);
    }

    assertEquals(Outcome.Status.SUCCEEDED, result.outcome().status(), result.outcome().reason());
    String warning = result.ofType("takeover.warning").stream().map(w -> w.getString("message"))
        .filter(m -> m.contains("still not scheduled")).findFirst().orElseThrow();
    assertTrue(warning.startsWith(REPLICAS + " replacement(s)"), warning);
    assertTrue(warning.contains("Pending: 0/"), "the scheduler's reason: " + warning);
    String confirmed = result.ofType("takeover.step.finished").stream().filter(e -> "confirm".equals(e.getString("step")))
        .findFirst().orElseThrow().getString("summary");
    assertTrue(confirmed.endsWith(REPLICAS + " replacement(s) of " + REPLICAS + " other evicted pods still not scheduled"
        + " elsewhere"), confirmed);
  }

  private JsonObject awaitEvent(EngineHarness h, String type, java.util.function.Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + cluster.patience().toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonObject e : h.events) {
        if (type.equals(e.getString("type")) && match.test(e)) {
          return e;
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // bounded polling of the collected events
    }
    throw new AssertionError("no " + type + " event within " + cluster.patience() + ": " + h.events);
  }
}
