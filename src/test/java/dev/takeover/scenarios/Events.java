package dev.takeover.scenarios;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.List;

/** The Kubernetes Events that Takeover recorded on a node during one run. */
final class Events {
  private Events() {}

  static List<Event> takeoverEventsOn(KubernetesClient k, String node, EngineHarness.Result run) {
    Instant started = Instant.parse(run.events().get(0).getString("time")).minusSeconds(1);
    return k.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && "Node".equals(e.getInvolvedObject().getKind())
            && node.equals(e.getInvolvedObject().getName()))
        .filter(e -> e.getReason() != null && e.getReason().startsWith("Takeover"))
        .filter(e -> e.getFirstTimestamp() != null && !Instant.parse(e.getFirstTimestamp()).isBefore(started))
        .toList();
  }

  static List<String> reasons(KubernetesClient k, String node, EngineHarness.Result run) {
    return takeoverEventsOn(k, node, run).stream().map(Event::getReason).toList();
  }
}
