package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** A pod with no controller (nothing recreates it when it is evicted). */
public final class BarePodSpec extends TemplateSpec<BarePodSpec> {
  private final String namespace;
  private String placement;

  BarePodSpec(String namespace, String name) {
    super(name);
    this.namespace = namespace;
  }

  /** Runs on {@code node} from the start (bound as the scheduler would bind it). */
  public BarePodSpec onNode(String node) {
    this.placement = node;
    return this;
  }

  String placement() {
    return placement;
  }

  String namespace() {
    return namespace;
  }

  Pod build() {
    var template = template();
    return new PodBuilder().withMetadata(template.getMetadata()).withSpec(template.getSpec())
        .editMetadata().withName(name).withNamespace(namespace).endMetadata().build();
  }
}
