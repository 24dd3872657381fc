package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Binds pending pods (schedulerName default-scheduler, no nodeName) to the node that fits with the fewest pods
 * (then by name: deterministic), through the binding subresource as kube-scheduler does. A pod that fits nowhere
 * gets PodScheduled=False/Unschedulable with kube-scheduler's message and a FailedScheduling event, and is tried
 * again on every later pass (any change in the cluster).
 */
public final class Scheduler implements Controller {
  private static final String NAME = "default-scheduler";

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    List<Pod> pending = pods.stream()
        .filter(p -> !Pods.isBound(p) && !Pods.isTerminating(p) && !Pods.isTerminal(p))
        .filter(p -> NAME.equals(p.getSpec().getSchedulerName()))
        .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
            .thenComparing(p -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName()))
        .toList();
    if (pending.isEmpty()) {
      return;
    }
    List<Node> nodes = client.nodes().list().getItems().stream()
        .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
    Map<String, NodeFit.Usage> usage = new HashMap<>();
    nodes.forEach(n -> usage.put(n.getMetadata().getName(), new NodeFit.Usage()));
    pods.stream().filter(NodeFit::counts).forEach(p -> {
      NodeFit.Usage u = usage.get(Pods.nodeName(p));
      if (u != null) {
        u.add(p);
      }
    });
    Map<String, PersistentVolumeClaim> claims = new HashMap<>();
    client.persistentVolumeClaims().inAnyNamespace().list().getItems()
        .forEach(c -> claims.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c));
    Map<String, PersistentVolume> volumes = new HashMap<>();
    client.persistentVolumes().list().getItems().forEach(v -> volumes.put(v.getMetadata().getName(), v));

    for (Pod pod : pending) {
      schedule(context, pod, nodes, usage, claims, volumes);
    }
  }

  private void schedule(ControllerContext context, Pod pod, List<Node> nodes, Map<String, NodeFit.Usage> usage,
      Map<String, PersistentVolumeClaim> claims, Map<String, PersistentVolume> volumes) {
    int total = nodes.size();
    if (total == 0) {
      unschedulable(context, pod, "no nodes available to schedule pods");
      return;
    }
    List<PersistentVolume> podVolumes = new ArrayList<>();
    for (String claimName : Pods.claimNames(pod)) {
      PersistentVolumeClaim claim = claims.get(pod.getMetadata().getNamespace() + "/" + claimName);
      String problem = claim == null ? "persistentvolumeclaim \"" + claimName + "\" not found"
          : claim.getMetadata().getDeletionTimestamp() != null ? "persistentvolumeclaim \"" + claimName + "\" is being deleted"
          : claim.getSpec().getVolumeName() == null || !volumes.containsKey(claim.getSpec().getVolumeName())
              ? "pod has unbound immediate PersistentVolumeClaims" : null;
      if (problem != null) {
        unschedulable(context, pod, "0/" + total + " nodes are available: " + problem + ". preemption: 0/" + total
            + " nodes are available: " + total + " Preemption is not helpful for scheduling.");
        return;
      }
      podVolumes.add(volumes.get(claim.getSpec().getVolumeName()));
    }
    Map<String, Integer> reasons = new TreeMap<>();
    int unhelpful = 0;
    Node best = null;
    for (Node node : nodes) {
      Optional<NodeFit.Misfit> misfit = NodeFit.check(pod, node, usage.get(node.getMetadata().getName()), podVolumes);
      if (misfit.isPresent()) {
        reasons.merge(misfit.get().reason(), 1, Integer::sum);
        unhelpful += misfit.get().preemptionMightHelp() ? 0 : 1;
      } else if (best == null || usage.get(node.getMetadata().getName()).pods < usage.get(best.getMetadata().getName()).pods) {
        best = node;
      }
    }
    if (best == null) {
      unschedulable(context, pod, fitError(total, reasons, unhelpful));
      return;
    }
    bind(context, pod, best.getMetadata().getName());
    usage.get(best.getMetadata().getName()).add(pod);
  }

  /** kube-scheduler's FitError: reasons as "N reason", sorted as strings, then what preemption could do. */
  private static String fitError(int total, Map<String, Integer> reasons, int unhelpful) {
    List<String> counted = new ArrayList<>();
    reasons.forEach((reason, count) -> counted.add(count + " " + reason));
    counted.sort(null);
    List<String> preemption = new ArrayList<>();
    if (total - unhelpful > 0) {
      preemption.add((total - unhelpful) + " No preemption victims found for incoming pod");
    }
    if (unhelpful > 0) {
      preemption.add(unhelpful + " Preemption is not helpful for scheduling");
    }
    preemption.sort(null);
    return "0/" + total + " nodes are available: " + String.join(", ", counted) + ". preemption: 0/" + total
        + " nodes are available: " + String.join(", ", preemption) + ".";
  }

  private static void bind(ControllerContext context, Pod pod, String nodeName) {
    String namespace = pod.getMetadata().getNamespace();
    context.client().bindings().inNamespace(namespace).resource(new BindingBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(namespace)
        .withUid(pod.getMetadata().getUid()).endMetadata()
        .withNewTarget().withKind("Node").withApiVersion("v1").withName(nodeName).endTarget().build()).create();
    context.events().normal(pod, "Scheduled", "Successfully assigned " + namespace + "/" + pod.getMetadata().getName()
        + " to " + nodeName, NAME);
  }

  private static void unschedulable(ControllerContext context, Pod pod, String message) {
    boolean same = Pods.condition(pod, "PodScheduled")
        .map(c -> "False".equals(c.getStatus()) && message.equals(c.getMessage())).orElse(false);
    if (same) {
      return; // already says so: writing again would wake every controller for nothing
    }
    Pods.setCondition(pod, "PodScheduled", "False", "Unschedulable", message);
    context.client().pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
    context.events().warning(pod, "FailedScheduling", message, NAME);
  }
}
