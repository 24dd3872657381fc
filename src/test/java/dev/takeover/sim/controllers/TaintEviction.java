package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The taint eviction controller (kube-controller-manager's taint manager): a pod bound to a node with a NoExecute
 * taint it does not tolerate is evicted at once; one it tolerates for {@code tolerationSeconds} (300 s for
 * unreachable, from the DefaultTolerationSeconds admission plugin) is evicted when they have passed since the
 * taint's {@code timeAdded}. Evicted means: the condition DisruptionTarget=True (DeletionByTaintManager), then a
 * graceful delete, as in watch/pod-on-dead-node.jsonl. On a dead node no kubelet finishes the deletion: the pod stays
 * Terminating (seed §12.1 (4)) until the pod GC or someone force-deletes it.
 */
public final class TaintEviction implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    Instant now = context.now();
    for (Node node : client.nodes().list().getItems()) {
      List<Taint> noExecute = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints().stream()
          .filter(t -> "NoExecute".equals(t.getEffect())).toList();
      if (noExecute.isEmpty()) {
        continue;
      }
      for (Pod pod : client.pods().inAnyNamespace().withField("spec.nodeName", node.getMetadata().getName()).list()
          .getItems()) {
        if (Pods.isTerminating(pod) || Pods.isTerminal(pod)) {
          continue;
        }
        Instant due = evictionTime(pod, noExecute, now);
        if (due == null) {
          continue;
        }
        if (now.isBefore(due)) {
          context.wakeAt("taint-eviction " + pod.getMetadata().getUid(), due);
          continue;
        }
        Pods.setCondition(pod, "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to "
            + "NoExecute taint");
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
      }
    }
  }

  /** When the pod must go: now for an untolerated taint, else the earliest end of a tolerationSeconds; null: never. */
  private static Instant evictionTime(Pod pod, List<Taint> noExecute, Instant now) {
    List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    Instant due = null;
    for (Taint taint : noExecute) {
      Instant added = taint.getTimeAdded() == null ? now : Instant.parse(taint.getTimeAdded());
      Instant until = null;
      boolean tolerated = false;
      for (Toleration t : tolerations) {
        if (dev.takeover.sim.model.Taints.tolerates(t, taint)) {
          tolerated = true;
          if (t.getTolerationSeconds() == null) {
            until = Instant.MAX; // tolerated for ever
            break;
          }
          Instant end = added.plusSeconds(Math.max(0, t.getTolerationSeconds()));
          until = until == null || end.isAfter(until) ? end : until;
        }
      }
      Instant taintDue = !tolerated ? now : until;
      if (taintDue != Instant.MAX && (due == null || taintDue.isBefore(due))) {
        due = taintDue;
      }
    }
    return due;
  }
}
