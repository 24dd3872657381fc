package dev.takeover.sim.api;

import dev.takeover.sim.model.Paths;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Selectors;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code POST pods/NAME/eviction} (policy/v1), following the API server's eviction REST handler (v1.32):
 * preconditions, pods that may ignore budgets, the one matching PodDisruptionBudget, its
 * {@code disruptionsAllowed} decremented and the pod recorded in {@code disruptedPods} before the pod is deleted
 * gracefully. Everything happens under the store's lock, so concurrent evictions cannot all spend the same budget.
 */
public final class Evictions {
  static final String BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
  private final SimStore store;
  private final PodDeletion deletion;

  public Evictions(SimStore store, PodDeletion deletion) {
    this.store = store;
    this.deletion = deletion;
  }

  public MockResponse evict(String namespace, String name, String body) {
    Eviction eviction = body == null || body.isBlank() ? new Eviction() : Serialization.unmarshal(body, Eviction.class);
    DeleteOptions options = eviction.getDeleteOptions() == null ? new DeleteOptions() : eviction.getDeleteOptions();
    return store.atomically(() -> {
      Pod pod = store.get(Paths.pod(namespace, name), Pod.class);
      if (pod == null) {
        return Statuses.notFound("pods", name);
      }
      PodDeletion.checkPreconditions(pod, options);
      if (Pods.isTerminating(pod)) {
        return Statuses.success(201); // evict-terminating-pod: already on its way out
      }
      if (!canIgnoreBudget(pod)) {
        List<PodDisruptionBudget> budgets = store.list(Paths.podDisruptionBudgets(namespace), PodDisruptionBudget.class)
            .stream().filter(b -> Selectors.matches(b.getSpec().getSelector(), pod.getMetadata().getLabels())).toList();
        if (budgets.size() > 1) {
          return Statuses.internalError(
              "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }
        if (budgets.size() == 1 && !unhealthyPodMayGo(pod, budgets.get(0))) {
          spendOneDisruption(budgets.get(0), name);
        }
      }
      markDisruptionTarget(namespace, name);
      MockResponse deleted = deletion.delete(namespace, name, options);
      return deleted.code() == 200 ? Statuses.success(201) : deleted;
    });
  }

  /** canIgnorePDB: a pod that is finished, or not started yet, disrupts nothing. */
  private static boolean canIgnoreBudget(Pod pod) {
    return Pods.isTerminal(pod) || Pods.phase(pod).equals("Pending");
  }

  /** unhealthyPodEvictionPolicy: a not-Ready pod may go without spending a disruption when the budget is met. */
  private static boolean unhealthyPodMayGo(Pod pod, PodDisruptionBudget pdb) {
    if (Pods.isReady(pod)) {
      return false;
    }
    if ("AlwaysAllow".equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())) {
      return true;
    }
    PodDisruptionBudgetStatus status = pdb.getStatus();
    return status != null && status.getDesiredHealthy() != null && status.getDesiredHealthy() > 0
        && status.getCurrentHealthy() >= status.getDesiredHealthy();
  }

  /** checkAndDecrement: 429 when the budget allows nothing, else one disruption fewer and the pod remembered. */
  private void spendOneDisruption(PodDisruptionBudget pdb, String podName) {
    String pdbName = pdb.getMetadata().getName();
    PodDisruptionBudgetStatus status = pdb.getStatus();
    long observed = status == null || status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    if (observed < Objects.requireNonNullElse(pdb.getMetadata().getGeneration(), 1L)) {
      throw tooManyRequests("The disruption budget " + pdbName + " is still being processed by the server.");
    }
    if (status.getDisruptionsAllowed() == null || status.getDisruptionsAllowed() <= 0) {
      throw tooManyRequests("The disruption budget " + pdbName + " needs " + status.getDesiredHealthy()
          + " healthy pods and has " + status.getCurrentHealthy() + " currently");
    }
    store.update(Paths.podDisruptionBudget(pdb.getMetadata().getNamespace(), pdbName), PodDisruptionBudget.class, p -> {
      PodDisruptionBudgetStatus s = p.getStatus();
      s.setDisruptionsAllowed(s.getDisruptionsAllowed() - 1);
      Map<String, String> disrupted = new HashMap<>(s.getDisruptedPods() == null ? Map.of() : s.getDisruptedPods());
      disrupted.put(podName, Times.now());
      s.setDisruptedPods(disrupted);
      if (s.getDisruptionsAllowed() == 0) {
        DisruptionConditions.set(p, false);
      }
      return p;
    });
  }

  private static ApiError tooManyRequests(String cause) {
    return new ApiError(Statuses.failure(429, "TooManyRequests", BUDGET_MESSAGE,
        Map.of("causes", List.of(orderedCause("DisruptionBudget", cause)))));
  }

  private static Map<String, String> orderedCause(String reason, String message) {
    Map<String, String> cause = new java.util.LinkedHashMap<>();
    cause.put("reason", reason);
    cause.put("message", message);
    return cause;
  }

  /** Since v1.31 the eviction first tells the pod why it goes (condition DisruptionTarget, recorded watch event 1). */
  private void markDisruptionTarget(String namespace, String name) {
    store.update(Paths.pod(namespace, name), Pod.class, p -> {
      if (p.getStatus() == null) {
        p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
      }
      Pods.setCondition(p, "DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting");
      return p;
    });
  }
}
