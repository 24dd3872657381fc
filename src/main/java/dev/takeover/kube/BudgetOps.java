package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.Future;

import java.util.List;

/** PodDisruptionBudgets of a namespace (read only: the eviction API enforces them). */
public final class BudgetOps {
  private final KubeCalls calls;

  public BudgetOps(KubeCalls calls) {
    this.calls = calls;
  }

  public Future<List<PodDisruptionBudget>> inNamespace(String namespace) {
    return calls.blocking("list poddisruptionbudgets in " + namespace,
        () -> calls.client().policy().v1().podDisruptionBudget().inNamespace(namespace).list().getItems());
  }
}
