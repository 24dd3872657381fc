package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Will the PodDisruptionBudgets let the pods go, judged as the Eviction API judges
 * ({@code pkg/registry/core/pod/storage/eviction.go}): one budget per pod at most, and a pod that
 * is Pending or already terminating is not guarded.
 */
final class BudgetChecks {

  private BudgetChecks() {}

  static void check(ClusterView view, List<Pod> evicting, Findings findings) {
    Map<String, Set<String>> waitingOn = new TreeMap<>();
    Map<String, PodDisruptionBudget> byKey = new TreeMap<>();
    for (Pod pod : evicting) {
      if (unguarded(pod)) {
        continue;
      }
      String key = PodRef.of(pod).key();
      List<PodDisruptionBudget> covering = covering(view.pdbs(), pod);
      if (covering.size() > 1) {
        // The API answers 500 "This pod has more than one PodDisruptionBudget" whatever they allow.
        findings.refuse("cannot evict pods covered by more than one PodDisruptionBudget: the Eviction API"
                + " rejects them", "narrow the budgets' selectors to one budget per pod",
            key + " (" + String.join(", ", covering.stream().map(BudgetChecks::key).sorted().toList()) + ")");
      } else if (covering.size() == 1 && blocks(covering.get(0), pod)) {
        waitingOn.computeIfAbsent(key(covering.get(0)), k -> new TreeSet<>()).add(key);
        byKey.put(key(covering.get(0)), covering.get(0));
      }
    }
    waitingOn.forEach((pdb, pods) -> findings.warn(message(byKey.get(pdb), pods)));
  }

  /** The budgets of the pod's namespace whose selector matches its labels. */
  static List<PodDisruptionBudget> covering(List<PodDisruptionBudget> pdbs, Pod pod) {
    return pdbs.stream()
        .filter(b -> pod.getMetadata().getNamespace().equals(b.getMetadata().getNamespace()))
        .filter(b -> b.getSpec() != null && LabelSelectors.matches(b.getSpec().getSelector(), PodFacts.labels(pod)))
        .toList();
  }

  /** The Eviction API deletes these without looking at budgets ({@code canIgnorePDB}). */
  private static boolean unguarded(Pod pod) {
    return PodFacts.terminating(pod) || PodFacts.finished(pod) || "Pending".equals(PodFacts.phase(pod));
  }

  /**
   * No disruption allowed now, and the pod is not an unhealthy one the budget lets go anyway:
   * with {@code AlwaysAllow}, or with the default {@code IfHealthyBudget} while the budget is met.
   * A status not computed yet counts as 0, as the API then answers 429 too.
   */
  private static boolean blocks(PodDisruptionBudget pdb, Pod pod) {
    var status = pdb.getStatus();
    int allowed = status == null || status.getDisruptionsAllowed() == null ? 0 : status.getDisruptionsAllowed();
    if (allowed > 0) {
      return false;
    }
    if (!PodFacts.ready(pod)) {
      if ("AlwaysAllow".equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())) {
        return false;
      }
      int current = status == null || status.getCurrentHealthy() == null ? 0 : status.getCurrentHealthy();
      int desired = status == null || status.getDesiredHealthy() == null ? 0 : status.getDesiredHealthy();
      if (desired > 0 && current >= desired) {
        return false;
      }
    }
    return true;
  }

  private static String message(PodDisruptionBudget pdb, Set<String> pods) {
    String text = "PodDisruptionBudget " + key(pdb) + " allows 0 disruptions now (" + String.join(", ", pods)
        + "): the drain will wait for it";
    var status = pdb.getStatus();
    if (status != null && status.getExpectedPods() != null && status.getDesiredHealthy() != null
        && status.getExpectedPods() > 0 && status.getDesiredHealthy() >= status.getExpectedPods()) {
      // currentHealthy can never exceed expectedPods, so this budget never allows a disruption.
      text += "; it needs " + status.getDesiredHealthy() + " healthy of " + status.getExpectedPods()
          + " expected pods, so it will not allow one by itself: scale the workload up or relax the budget";
    }
    return text;
  }

  private static String key(PodDisruptionBudget pdb) {
    return pdb.getMetadata().getNamespace() + "/" + pdb.getMetadata().getName();
  }
}
