package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/** A policy/v1 PodDisruptionBudget: minAvailable or maxUnavailable (a number or "50%"), selecting app=NAME unless told. */
public final class BudgetSpec {
  private final String namespace;
  private final String name;
  private final Map<String, String> selector = new LinkedHashMap<>();
  private IntOrString minAvailable;
  private IntOrString maxUnavailable;
  private String unhealthyPodEvictionPolicy;

  BudgetSpec(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  public BudgetSpec minAvailable(int pods) {
    this.minAvailable = new IntOrString(pods);
    return this;
  }

  public BudgetSpec minAvailable(String percent) {
    this.minAvailable = new IntOrString(percent);
    return this;
  }

  public BudgetSpec maxUnavailable(int pods) {
    this.maxUnavailable = new IntOrString(pods);
    return this;
  }

  public BudgetSpec maxUnavailable(String percent) {
    this.maxUnavailable = new IntOrString(percent);
    return this;
  }

  public BudgetSpec selector(String key, String value) {
    selector.put(key, value);
    return this;
  }

  /** IfHealthyBudget (the default) or AlwaysAllow. */
  public BudgetSpec unhealthyPodEvictionPolicy(String policy) {
    this.unhealthyPodEvictionPolicy = policy;
    return this;
  }

  PodDisruptionBudget build() {
    Map<String, String> labels = selector.isEmpty() ? Map.of("app", name) : selector;
    return new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().withMinAvailable(minAvailable).withMaxUnavailable(maxUnavailable)
        .withNewSelector().withMatchLabels(labels).endSelector()
        .withUnhealthyPodEvictionPolicy(unhealthyPodEvictionPolicy).endSpec().build();
  }
}
