package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PodDisruptionBudget status as the disruption controller computes it (src/test/resources/sim/get-pdb-blocking.json). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodDisruptionBudgetStatusTest {
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void min_available_1_with_1_pod_allows_no_disruption_as_the_recorded_budget() {
    cluster = Seed.cluster(SimTiming.fast());
    cluster.scenario().pdb("default", "mysql", b -> b.minAvailable(1).selector("app", "mysql-sts")).apply();

    PodDisruptionBudget pdb = cluster.client().policy().v1().podDisruptionBudget().withName("mysql").get();

    Map<?, ?> recorded = (Map<?, ?>) ((Map<?, ?>) RawApi.fixture("get-pdb-blocking.json")).get("status");
    Map<?, ?> status = (Map<?, ?>) RawApi.tree(Serialization.asJson(pdb.getStatus()));
    for (String field : new String[] {"observedGeneration", "disruptionsAllowed", "currentHealthy", "desiredHealthy",
        "expectedPods"}) {
      assertEquals(recorded.get(field), status.get(field), field);
    }
    var condition = pdb.getStatus().getConditions().get(0);
    assertEquals("DisruptionAllowed", condition.getType());
    assertEquals("False", condition.getStatus());
    assertEquals("InsufficientPods", condition.getReason());
    assertEquals(1L, condition.getObservedGeneration());
  }

  @Test
  void max_unavailable_1_with_3_pods_allows_one_disruption() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("node-a").deployment("default", "web", d -> d.replicas(3))
        .pdb("default", "web", b -> b.maxUnavailable(1)).apply();

    PodDisruptionBudgetStatus status = cluster.client().policy().v1().podDisruptionBudget().withName("web").get().getStatus();

    assertEquals(1, status.getDisruptionsAllowed());
    assertEquals(3, status.getCurrentHealthy());
    assertEquals(2, status.getDesiredHealthy());
    assertEquals(3, status.getExpectedPods());
    assertEquals("True", status.getConditions().get(0).getStatus());
    assertEquals("SufficientPods", status.getConditions().get(0).getReason());
  }

  @Test
  void a_percentage_is_rounded_up_and_a_pod_that_is_not_ready_is_not_healthy() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("node-a")
        .statefulSet("default", "db", s -> s.replicas(3).parallel())
        .deployment("default", "stuck", d -> d.replicas(2).neverReady())
        .pdb("default", "db", b -> b.minAvailable("50%"))
        .pdb("default", "stuck", b -> b.maxUnavailable("10%"))
        .apply();

    PodDisruptionBudgetStatus db = cluster.client().policy().v1().podDisruptionBudget().withName("db").get().getStatus();
    PodDisruptionBudgetStatus stuck = cluster.client().policy().v1().podDisruptionBudget().withName("stuck").get().getStatus();

    assertEquals(2, db.getDesiredHealthy(), "50% of 3, rounded up");
    assertEquals(1, db.getDisruptionsAllowed());
    assertEquals(1, stuck.getDesiredHealthy(), "2 minus 10% of 2 rounded up");
    assertEquals(0, stuck.getCurrentHealthy());
    assertEquals(0, stuck.getDisruptionsAllowed());
  }
}
