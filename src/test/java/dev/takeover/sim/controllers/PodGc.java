package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod garbage collector's part for non-graceful node shutdown (NodeOutOfServiceVolumeDetach, GA in 1.28): a
 * terminating pod on a node that is not Ready and carries the taint node.kubernetes.io/out-of-service is marked
 * Failed and force-deleted (grace 0, no precondition: markFailedAndDeletePod), so its StatefulSet makes a
 * replacement elsewhere. Pod GC is not event-driven: it runs every {@code SimTiming.podGcPeriod} (gcCheckPeriod,
 * 20 s, counted from the end of the previous run), so a pod becomes its business only on its next run: between 0
 * and one period after the taint (watch/pod-on-dead-node.jsonl recorded about 4 s).
 */
public final class PodGc implements Controller {
  public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

  private Ticks runs;
  /** The run that will find the pods seen to collect: the first one at or after they were first seen. */
  private Instant nextRun;

  @Override
  public void reconcile(ControllerContext context) {
    Instant now = context.now();
    if (runs == null) {
      runs = new Ticks(context.timing().podGcPeriod());
      runs.lookAtOrAfter(now, now); // pod GC starts with the cluster
    }
    KubernetesClient client = context.client();
    List<Pod> collectable = collectable(client);
    if (collectable.isEmpty()) {
      nextRun = null;
      return;
    }
    if (nextRun == null) {
      nextRun = runs.lookAtOrAfter(now, now);
    }
    if (now.isBefore(nextRun)) {
      context.wakeAt("pod-gc", nextRun);
      return;
    }
    nextRun = null; // a failed delete below is tried again on a later run, as gcTerminating's next run would
    for (Pod pod : collectable) {
      String ns = pod.getMetadata().getNamespace();
      if (!"Failed".equals(Pods.phase(pod)) && !"Succeeded".equals(Pods.phase(pod))) {
        pod.getStatus().setPhase("Failed");
        client.pods().inNamespace(ns).resource(pod).updateStatus();
      }
      client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
    }
    runs.ranUntil(context.now());
  }

  /** gcTerminating's choice: terminating pods on nodes that are not Ready and have the out-of-service taint. */
  private static List<Pod> collectable(KubernetesClient client) {
    List<Pod> pods = new ArrayList<>();
    for (Node node : client.nodes().list().getItems()) {
      boolean outOfService = node.getSpec().getTaints() != null && node.getSpec().getTaints().stream()
          .anyMatch(t -> OUT_OF_SERVICE.equals(t.getKey())); // TaintKeyExists: any effect
      if (!outOfService || ready(node)) {
        continue;
      }
      for (Pod pod : client.pods().inAnyNamespace().withField("spec.nodeName", node.getMetadata().getName()).list()
          .getItems()) {
        if (Pods.isTerminating(pod)) {
          pods.add(pod);
        }
      }
    }
    return pods;
  }

  private static boolean ready(Node node) {
    return node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus().getConditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
