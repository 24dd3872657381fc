package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import java.util.Map;

/** A Deployment of N replicas, optionally all running on one node at start. */
public final class DeploymentSpec extends TemplateSpec<DeploymentSpec> {
  private final String namespace;
  private int replicas = 1;
  private String placement;

  DeploymentSpec(String namespace, String name) {
    super(name);
    this.namespace = namespace;
  }

  public DeploymentSpec replicas(int replicas) {
    this.replicas = replicas;
    return this;
  }

  /** All its pods run on {@code node} when the scenario starts (made by its ReplicaSet, bound as the scheduler would). */
  public DeploymentSpec placeOn(String node) {
    this.placement = node;
    return this;
  }

  String placement() {
    return placement;
  }

  String namespace() {
    return namespace;
  }

  Deployment build() {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(Map.of("app", labels.get("app"))).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(selector()).endSelector()
        .withTemplate(template()).endSpec().build();
  }
}
