package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The pod garbage collector's part for non-graceful node shutdown (NodeOutOfServiceVolumeDetach, GA in 1.28): a
 * terminating pod on a node that is not Ready and carries the taint node.kubernetes.io/out-of-service:NoExecute is
 * marked Failed and force-deleted (grace 0), so its StatefulSet makes a replacement elsewhere; recorded in
 * watch/pod-on-dead-node.jsonl (about 4 s after the taint there; at once here).
 */
public final class PodGc implements Controller {
  public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    for (Node node : client.nodes().list().getItems()) {
      if (!dev.takeover.sim.model.Taints.has(node.getSpec().getTaints(), OUT_OF_SERVICE, "NoExecute") || ready(node)) {
        continue;
      }
      for (Pod pod : client.pods().inAnyNamespace().withField("spec.nodeName", node.getMetadata().getName()).list()
          .getItems()) {
        if (!Pods.isTerminating(pod)) {
          continue;
        }
        String ns = pod.getMetadata().getNamespace();
        if (!"Failed".equals(Pods.phase(pod))) {
          pod.getStatus().setPhase("Failed");
          client.pods().inNamespace(ns).resource(pod).updateStatus();
        }
        client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
      }
    }
  }

  private static boolean ready(Node node) {
    return node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus().getConditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
