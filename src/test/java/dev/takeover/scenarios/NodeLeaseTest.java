package dev.takeover.scenarios;

import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two processes never act on one node at once: two {@code takeover run} on a node, a CLI and the daemon, or the
 * replica that lost its leadership and the one that took over. Each run holds {@code kube-node-lease/takeover-<node>}.
 */
class NodeLeaseTest extends ScenarioBase {
  static final String LEASES = "kube-node-lease";
  /** The Lease of the holder that died: longer than the heir's own (4 s), shorter than production's 15 s. */
  static final int DEAD_LEASE_SECONDS = 6;

  @Test
  void a_second_process_asking_for_a_node_being_taken_over_is_refused_and_told_who_holds_it() throws Exception {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    // The first run is held in its drain by a budget that allows no disruption.
    scene.budget("mysql", "mysql-sts", 1, null);
    try (EngineHarness first = new EngineHarness(cluster, c -> c, Engine.Recovering.NONE, "takeover-replica-a");
         EngineHarness second = new EngineHarness(cluster, c -> c, Engine.Recovering.NONE,
             "takeover-cli bob@laptop pid 42")) {
      Ticket held = Ticket.takeover(node, null, "alice", "scenario", "first");
      Future<Outcome> firstRun = first.engine.submit(held);
      JsonObject blocked = awaitEvent(first, "takeover.pod.eviction-blocked", Duration.ofSeconds(60));
      assertNotNull(blocked);
      Lease lease = cluster.client().leases().inNamespace(LEASES).withName("takeover-" + node).get();
      assertEquals("takeover-replica-a", lease.getSpec().getHolderIdentity());

      EngineHarness.Result refused = second.takeover(node, null);

      assertEquals(Outcome.Status.REFUSED, refused.outcome().status(), refused.outcome().reason());
      assertTrue(refused.outcome().reason().startsWith("node " + node + " is held by takeover-replica-a ("),
          refused.outcome().reason());
      assertTrue(refused.outcome().reason().contains("Lease " + LEASES + "/takeover-" + node + " renewed "),
          refused.outcome().reason());
      // The second wrote nothing: no step of its own, and the node's record still names the first run.
      assertTrue(refused.ofType("takeover.step.started").isEmpty(), refused.events().toString());
      String firstRunId = blocked.getString("run");
      assertEquals(firstRunId, scene.node(node).getMetadata().getAnnotations().get("takeover.dev/run"));

      // The budget goes: the first run ends and lets go of the node; the second then takes it.
      cluster.client().resources(PodDisruptionBudget.class).inNamespace(scene.ns).withName("mysql").delete();
      Outcome firstOut = firstRun.await(cluster.patience().toMillis() * 3, TimeUnit.MILLISECONDS);
      assertEquals(Outcome.Status.SUCCEEDED, firstOut.status(), firstOut.reason());
      assertEquals("", holder(cluster.client().leases().inNamespace(LEASES).withName("takeover-" + node).get()));

      EngineHarness.Result then = second.takeover(node, null);
      assertEquals(Outcome.Status.SUCCEEDED, then.outcome().status(), then.outcome().reason());
    }
  }

  @Test
  void a_resumed_run_waits_for_the_lease_of_a_holder_that_stopped_renewing_it_then_takes_the_node() throws Exception {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    // A kept cluster has the Lease of an earlier run (let go, holder cleared): this holder replaces it.
    cluster.client().leases().inNamespace(LEASES).withName("takeover-" + node).delete();
    dev.takeover.sim.Await.await("the earlier Lease gone", Duration.ofSeconds(10),
        () -> cluster.client().leases().inNamespace(LEASES).withName("takeover-" + node).get() == null);

    // Leases shorter than production's 15 s, so that the wait is short; the holder's is the longer, and counts.
    try (EngineHarness heir = new EngineHarness(cluster, c -> c.withNodeLease(Duration.ofSeconds(4)),
        Engine.Recovering.NONE, "takeover-replica-b")) {
      // A replica that died a moment ago, holding the node: its Lease looks fresh and is never renewed again.
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      cluster.client().leases().inNamespace(LEASES).resource(new LeaseBuilder().withNewMetadata()
          .withName("takeover-" + node).withNamespace(LEASES).addToLabels("app.kubernetes.io/managed-by", "takeover")
          .endMetadata().withNewSpec()
          .withHolderIdentity("takeover-replica-dead").withLeaseDurationSeconds(DEAD_LEASE_SECONDS)
          .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();

      // A fresh ticket is refused at once: the holder looks alive.
      EngineHarness.Result fresh = heir.takeover(node, null);
      assertEquals(Outcome.Status.REFUSED, fresh.outcome().status());
      assertTrue(fresh.outcome().reason().contains("held by takeover-replica-dead"), fresh.outcome().reason());

      // The same node in a run resumed after a failover: waits for the Lease to run out, on its own clock.
      long t0 = System.nanoTime();
      Ticket ticket = Ticket.takeover(node, null, "alice", "scenario", "resumed");
      Outcome resumed = heir.engine.submit(ticket, new Engine.RunControl("run-resumed", true))
          .await(cluster.patience().toMillis() * 3, TimeUnit.MILLISECONDS);
      Duration waited = Duration.ofNanos(System.nanoTime() - t0);

      assertEquals(Outcome.Status.SUCCEEDED, resumed.status(), resumed.reason());
      // As long as the holder's Lease says (its own, not the heir's shorter one), seen unrenewed.
      assertTrue(waited.compareTo(Duration.ofSeconds(DEAD_LEASE_SECONDS)) >= 0, "took the node after " + waited);
      assertEquals("", holder(cluster.client().leases().inNamespace(LEASES).withName("takeover-" + node).get()));
    }
  }

  @Test
  void a_lease_of_that_name_which_takeover_did_not_make_is_never_written_even_long_expired() throws Exception {
    String node = scene.workers().get(0);
    seedMysqlOn(node);
    // A node named "takeover-<node>" that died an hour ago: its kubelet's Lease has our guard's name. Renewing it
    // would tell the node lifecycle controller that the dead node lives.
    ZonedDateTime hourAgo = ZonedDateTime.now(ZoneOffset.UTC).minusHours(1);
    String name = "takeover-" + node;
    cluster.client().leases().inNamespace(LEASES).withName(name).delete();
    dev.takeover.sim.Await.await("the earlier Lease gone", Duration.ofSeconds(10),
        () -> cluster.client().leases().inNamespace(LEASES).withName(name).get() == null);
    Lease kubelets = cluster.client().leases().inNamespace(LEASES).resource(new LeaseBuilder().withNewMetadata()
        .withName(name).withNamespace(LEASES).endMetadata().withNewSpec().withHolderIdentity(name)
        .withLeaseDurationSeconds(40).withRenewTime(hourAgo).endSpec().build()).create();
    try (EngineHarness h = new EngineHarness(cluster, c -> c, Engine.Recovering.NONE, "takeover-replica-b")) {
      // Neither a fresh run nor a resumed one (which would wait for a live holder) touches it.
      for (boolean resumed : new boolean[] {false, true}) {
        Ticket ticket = Ticket.takeover(node, null, "alice", "scenario", "foreign-" + resumed);
        Outcome out = h.engine.submit(ticket, new Engine.RunControl("run-foreign-" + resumed, resumed))
            .await(cluster.patience().toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Outcome.Status.REFUSED, out.status(), out.reason());
        assertTrue(out.reason().contains("Lease " + LEASES + "/" + name + " exists and is not Takeover's"),
            out.reason());
      }
      Lease after = cluster.client().leases().inNamespace(LEASES).withName(name).get();
      assertEquals(kubelets.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());
      assertEquals(null, scene.node(node).getSpec().getUnschedulable());
    } finally {
      cluster.client().leases().inNamespace(LEASES).withName(name).delete();
    }
  }

  private static String holder(Lease lease) {
    return lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }

  private static JsonObject awaitEvent(EngineHarness h, String type, Duration bound) {
    dev.takeover.sim.Await.await("a " + type + " event", bound,
        () -> h.events.stream().anyMatch(e -> type.equals(e.getString("type"))));
    return h.events.stream().filter(e -> type.equals(e.getString("type"))).findFirst().orElseThrow();
  }
}
