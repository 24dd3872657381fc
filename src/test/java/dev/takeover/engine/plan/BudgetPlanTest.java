package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.node;
import static dev.takeover.engine.plan.Fixtures.notReady;
import static dev.takeover.engine.plan.Fixtures.pdb;
import static dev.takeover.engine.plan.Fixtures.statefulSetPod;
import static dev.takeover.engine.plan.Fixtures.terminating;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Will the PodDisruptionBudgets let the pods go: judged as the Eviction API judges. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BudgetPlanTest {

  private static Plan planWith(Pod mysql, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget... pdbs) {
    return Cluster.of(node("kube-node01"), node("kube-node02")).with(mysql).with(pdbs).plan("kube-node02");
  }

  private static Pod mysql0() {
    return statefulSetPod("default", "mysql-0", "mysql", "kube-node02");
  }

  @Test
  void a_budget_that_allows_no_disruption_now_is_a_warning() {
    Plan plan = planWith(mysql0(), pdb("default", "mysql", "mysql", 0, 2, 3));

    assertFalse(plan.refused());
    assertEquals(List.of("PodDisruptionBudget default/mysql allows 0 disruptions now (default/mysql-0):"
        + " the drain will wait for it"), plan.warnings());
  }

  @Test
  void the_seeds_budget_of_one_healthy_pod_out_of_one_is_said_to_never_allow_one() {
    Plan plan = planWith(mysql0(), pdb("default", "mysql", "mysql", 0, 1, 1));

    assertEquals(List.of("PodDisruptionBudget default/mysql allows 0 disruptions now (default/mysql-0):"
        + " the drain will wait for it; it needs 1 healthy of 1 expected pods, so it will not allow one by itself:"
        + " scale the workload up or relax the budget"), plan.warnings());
  }

  @Test
  void a_budget_that_allows_a_disruption_says_nothing() {
    assertEquals(List.of(), planWith(mysql0(), pdb("default", "mysql", "mysql", 1, 2, 3)).warnings());
  }

  @Test
  void a_budget_of_another_namespace_or_other_pods_says_nothing() {
    Plan plan = planWith(mysql0(), pdb("prod", "mysql", "mysql", 0, 1, 1), pdb("default", "web", "web", 0, 1, 1));

    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void a_terminating_pod_is_not_guarded_by_its_budget() {
    assertEquals(List.of(), planWith(terminating(mysql0()), pdb("default", "mysql", "mysql", 0, 1, 1)).warnings());
  }

  @Test
  void an_unready_pod_goes_while_the_budget_is_met() {
    Plan plan = planWith(notReady(mysql0()), pdb("default", "mysql", "mysql", 0, 2, 3));

    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void a_pod_covered_by_two_budgets_is_refused_since_the_Eviction_API_rejects_it() {
    Plan plan = planWith(mysql0(), pdb("default", "mysql-b", "mysql", 1, 1, 2), pdb("default", "mysql-a", "mysql", 1, 1, 2));

    assertEquals(List.of("cannot evict pods covered by more than one PodDisruptionBudget: the Eviction API rejects them"
        + " (narrow the budgets' selectors to one budget per pod): default/mysql-0 (default/mysql-a, default/mysql-b)"),
        plan.refusalMessages());
  }
}
