package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DryRunTest extends ScenarioBase {

  @Test
  void a_dry_run_returns_the_plan_and_writes_nothing() {
    String node = scene.workers().get(0);
    String pv = seedMysqlOn(node);
    Node before = scene.node(node);
    String uid = scene.pod("mysql-0").getMetadata().getUid();

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults().withDryRun(true));
    }

    assertEquals(Outcome.Status.PLANNED, result.outcome().status(), result.outcome().reason());
    JsonObject plan = result.ofType("takeover.plan.ready").get(0);
    JsonObject mysql = plan.getJsonArray("pods").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("pod").equals(scene.ns + "/mysql-0")).findFirst().orElseThrow();
    assertEquals("evict", mysql.getString("action"));
    JsonArray claims = mysql.getJsonArray("claims");
    assertEquals(new JsonObject().put("claim", "pvc-mysql-0").put("volume", pv), claims.getJsonObject(0));
    // Nothing written: the node is the same object, the pod the same pod, and no event was recorded.
    assertEquals(before.getMetadata().getResourceVersion(), scene.node(node).getMetadata().getResourceVersion());
    assertEquals(uid, scene.pod("mysql-0").getMetadata().getUid());
    assertTrue(Events.takeoverEventsOn(cluster.client(), node, result).isEmpty());
    assertTrue(result.ofType("takeover.step.started").stream().noneMatch(e -> !"plan".equals(e.getString("step"))));
  }
}
