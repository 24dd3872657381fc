package dev.takeover.sim.api;

import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.util.ArrayList;
import java.util.List;

/** The {@code DisruptionAllowed} condition of a PDB, written by the eviction handler and the disruption controller. */
public final class DisruptionConditions {
  private DisruptionConditions() {}

  public static void set(PodDisruptionBudget pdb, boolean allowed) {
    List<Condition> conditions = new ArrayList<>(
        pdb.getStatus().getConditions() == null ? List.of() : pdb.getStatus().getConditions());
    String status = allowed ? "True" : "False";
    Condition existing = conditions.stream().filter(c -> "DisruptionAllowed".equals(c.getType())).findFirst().orElse(null);
    if (existing != null && status.equals(existing.getStatus())
        && java.util.Objects.equals(pdb.getMetadata().getGeneration(), existing.getObservedGeneration())) {
      return;
    }
    Condition condition = new ConditionBuilder().withType("DisruptionAllowed").withStatus(status)
        .withObservedGeneration(pdb.getMetadata().getGeneration())
        .withLastTransitionTime(existing != null && status.equals(existing.getStatus())
            ? existing.getLastTransitionTime() : Times.now())
        .withReason(allowed ? "SufficientPods" : "InsufficientPods").withMessage("").build();
    conditions.removeIf(c -> "DisruptionAllowed".equals(c.getType()));
    conditions.add(condition);
    pdb.getStatus().setConditions(conditions);
  }
}
