package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Taints;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The taint eviction controller (kube-controller-manager's taint manager, pkg/controller/tainteviction, v1.32): for a
 * pod bound to a node with NoExecute taints, {@code processPodOnNode} takes, for each taint, the first of the pod's
 * tolerations that tolerates it (GetMatchingTolerations). A taint none tolerates: the pod is evicted at once.
 * Otherwise the eviction is scheduled {@code getMinTolerationTime} after the controller first saw the pod so tainted:
 * the smallest tolerationSeconds of those tolerations (0 or less: at once); only when none has tolerationSeconds is
 * the pod tolerated for ever. An eviction already scheduled keeps its time when the taints change (a later, shorter
 * toleration does not bring it forward), and is cancelled when the taints go or are all tolerated for ever.
 * tolerationSeconds is 300 s for unreachable, from the DefaultTolerationSeconds admission plugin. Evicted means: the
 * condition DisruptionTarget=True (DeletionByTaintManager), then a graceful delete, as in
 * watch/pod-on-dead-node.jsonl. On a dead node no kubelet finishes the deletion: the pod stays Terminating (seed
 * §12.1 (4)) until the pod GC or someone force-deletes it.
 */
public final class TaintEviction implements Controller {
  /** Scheduled evictions by pod uid: {createdAt, fireAt} (the TimedWorkerQueue's workers). */
  private final Map<String, Instant[]> scheduled = new HashMap<>();

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    Instant now = context.now();
    Set<String> stillTainted = new HashSet<>();
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
        String uid = pod.getMetadata().getUid();
        Duration min = minTolerationTime(pod.getSpec().getTolerations(), noExecute);
        if (min != null && min.isNegative()) {
          continue; // tolerated for ever: any scheduled eviction is cancelled (not kept below)
        }
        stillTainted.add(uid);
        Instant[] eviction = scheduled.computeIfAbsent(uid, u -> new Instant[] {now, now.plus(min == null ? Duration.ZERO : min)});
        if (min == null) {
          eviction[1] = now; // a taint not tolerated: cancel what was scheduled and evict now
        }
        if (now.isBefore(eviction[1])) {
          context.wakeAt("taint-eviction " + uid, eviction[1]);
          continue;
        }
        Pods.setCondition(pod, "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to "
            + "NoExecute taint");
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
      }
    }
    // Pods gone, evicted, or on nodes whose NoExecute taints are gone or tolerated for ever: cancelled.
    scheduled.keySet().retainAll(stillTainted);
  }

  /**
   * getMinTolerationTime over GetMatchingTolerations: null when a taint is not tolerated (evict now); negative when
   * tolerated for ever; else the smallest tolerationSeconds (0 for 0 or less).
   */
  static Duration minTolerationTime(List<Toleration> tolerations, List<Taint> noExecute) {
    List<Toleration> all = tolerations == null ? List.of() : tolerations;
    List<Toleration> used = new ArrayList<>();
    for (Taint taint : noExecute) {
      Toleration first = all.stream().filter(t -> Taints.tolerates(t, taint)).findFirst().orElse(null);
      if (first == null) {
        return null;
      }
      used.add(first);
    }
    long min = Long.MAX_VALUE;
    for (Toleration t : used) {
      if (t.getTolerationSeconds() != null) {
        if (t.getTolerationSeconds() <= 0) {
          return Duration.ZERO;
        }
        min = Math.min(min, t.getTolerationSeconds());
      }
    }
    return min == Long.MAX_VALUE ? Duration.ofSeconds(-1) : Duration.ofSeconds(min);
  }
}
