package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.function.Supplier;

/** core/v1 Events as the controllers write them (watch/events-during-eviction.jsonl), for kubectl describe. */
public final class EventRecorder {
  private final Supplier<KubernetesClient> client;

  EventRecorder(Supplier<KubernetesClient> client) {
    this.client = client;
  }

  public void normal(HasMetadata about, String reason, String message, String component) {
    record(about, "Normal", reason, message, component);
  }

  public void warning(HasMetadata about, String reason, String message, String component) {
    record(about, "Warning", reason, message, component);
  }

  private void record(HasMetadata about, String type, String reason, String message, String component) {
    String namespace = about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
    String now = Times.now();
    client.get().v1().events().inNamespace(namespace).resource(new EventBuilder()
        .withNewMetadata().withName(about.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
        .withNamespace(namespace).endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder().withKind(about.getKind()).withApiVersion(about.getApiVersion())
            .withNamespace(about.getMetadata().getNamespace()).withName(about.getMetadata().getName())
            .withUid(about.getMetadata().getUid()).withResourceVersion(about.getMetadata().getResourceVersion()).build())
        .withType(type).withReason(reason).withMessage(message)
        .withNewSource().withComponent(component).endSource()
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .withReportingComponent(component).withReportingInstance(component)
        .build()).create();
  }
}
