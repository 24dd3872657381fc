package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;

import java.util.Map;

/** A DaemonSet: one pod per node its template allows (see {@link #toleratesEverything()}). */
public final class DaemonSetSpec extends TemplateSpec<DaemonSetSpec> {
  private final String namespace;

  DaemonSetSpec(String namespace, String name) {
    super(name);
    this.namespace = namespace;
  }

  String namespace() {
    return namespace;
  }

  DaemonSet build() {
    return new DaemonSetBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(Map.of("app", labels.get("app"))).endMetadata()
        .withNewSpec().withNewSelector().withMatchLabels(selector()).endSelector().withTemplate(template()).endSpec()
        .build();
  }
}
