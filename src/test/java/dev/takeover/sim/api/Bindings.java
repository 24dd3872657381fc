package dev.takeover.sim.api;

import dev.takeover.sim.model.Paths;
import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

/**
 * {@code POST pods/NAME/binding} (and {@code POST bindings}): how a scheduler assigns a pod to a node.
 * Sets {@code spec.nodeName} and condition PodScheduled=True in one write, hence one MODIFIED event
 * (recorded watch event 4), which a plain update could not do since a real server refuses to change nodeName.
 */
public final class Bindings {
  private final SimStore store;

  public Bindings(SimStore store) {
    this.store = store;
  }

  public MockResponse bind(String namespace, String podName, String body) {
    Binding binding = Serialization.unmarshal(body, Binding.class);
    String name = podName != null ? podName : binding.getMetadata().getName();
    String node = binding.getTarget() == null ? null : binding.getTarget().getName();
    if (node == null || node.isEmpty()) {
      return Statuses.badRequest("Binding.target.name: Required value");
    }
    return store.atomically(() -> {
      Pod pod = store.get(Paths.pod(namespace, name), Pod.class);
      if (pod == null) {
        return Statuses.notFound("pods", name);
      }
      if (Pods.isTerminating(pod)) {
        return Statuses.conflict("pods/binding", name, "Operation cannot be fulfilled on pods/binding \"" + name
            + "\": pod " + name + " is being deleted, cannot be assigned to a host");
      }
      if (Pods.isBound(pod)) {
        return Statuses.conflict("pods/binding", name, "Operation cannot be fulfilled on pods/binding \"" + name
            + "\": pod " + name + " is already assigned to node \"" + Pods.nodeName(pod) + "\"");
      }
      store.update(Paths.pod(namespace, name), Pod.class, p -> {
        p.getSpec().setNodeName(node);
        if (p.getStatus() == null) {
          p.setStatus(new PodStatus());
        }
        Pods.setCondition(p, "PodScheduled", "True", null, null);
        return p;
      });
      return Statuses.success(201);
    });
  }
}
