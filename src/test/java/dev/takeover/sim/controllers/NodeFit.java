package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Selectors;
import dev.takeover.sim.model.Taints;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default scheduler's filters, in its order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit,
 * VolumeBinding); the first that fails gives the node's reason, worded as kube-scheduler words it.
 */
final class NodeFit {
  private static final BigDecimal DEFAULT_MAX_PODS = BigDecimal.valueOf(110);

  /** Reason and whether preempting other pods could help (only resource shortages). */
  record Misfit(String reason, boolean preemptionMightHelp) {}

  /** What is already placed on a node: pods (not finished) and their cpu/memory requests. */
  static final class Usage {
    int pods;
    BigDecimal cpu = BigDecimal.ZERO;
    BigDecimal memory = BigDecimal.ZERO;

    void add(Pod pod) {
      pods++;
      cpu = cpu.add(request(pod, "cpu"));
      memory = memory.add(request(pod, "memory"));
    }
  }

  private NodeFit() {}

  /** Empty when {@code pod} fits {@code node}; {@code volumes} are the PVs bound to the pod's claims. */
  static Optional<Misfit> check(Pod pod, Node node, Usage usage, List<PersistentVolume> volumes) {
    if (Boolean.TRUE.equals(node.getSpec().getUnschedulable()) && !tolerates(pod,
        new TaintBuilder().withKey(Taints.UNSCHEDULABLE).withEffect("NoSchedule").build())) {
      return misfit("node(s) were unschedulable");
    }
    Optional<Taint> taint = Taints.firstUntolerated(taintsOf(node), pod.getSpec().getTolerations());
    if (taint.isPresent()) {
      String value = taint.get().getValue() == null ? "" : taint.get().getValue();
      return misfit("node(s) had untolerated taint {" + taint.get().getKey() + ": " + value + "}");
    }
    if (!matchesNodeSelectorAndAffinity(pod, node)) {
      return misfit("node(s) didn't match Pod's node affinity/selector");
    }
    Map<String, Quantity> allocatable = node.getStatus() == null ? null : node.getStatus().getAllocatable();
    if (BigDecimal.valueOf(usage.pods + 1L).compareTo(amount(allocatable, "pods", DEFAULT_MAX_PODS)) > 0) {
      return Optional.of(new Misfit("Too many pods", true));
    }
    for (String resource : List.of("cpu", "memory")) {
      BigDecimal used = resource.equals("cpu") ? usage.cpu : usage.memory;
      BigDecimal wanted = request(pod, resource);
      if (wanted.signum() > 0 && used.add(wanted).compareTo(amount(allocatable, resource, null)) > 0) {
        return Optional.of(new Misfit("Insufficient " + resource, true));
      }
    }
    for (PersistentVolume pv : volumes) {
      if (pv.getSpec().getNodeAffinity() != null && pv.getSpec().getNodeAffinity().getRequired() != null
          && !Selectors.matchesAnyTerm(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms(), node)) {
        return misfit("node(s) had volume node affinity conflict");
      }
    }
    return Optional.empty();
  }

  /**
   * The node's taints; a node whose Ready condition is not True counts as tainted not-ready even if the node
   * lifecycle controller (which adds that taint) is not running.
   */
  private static List<Taint> taintsOf(Node node) {
    List<Taint> taints = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    boolean ready = node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus()
        .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (ready || Taints.has(taints, Taints.NOT_READY, "NoSchedule") || Taints.has(taints, Taints.UNREACHABLE, "NoSchedule")) {
      return taints;
    }
    return java.util.stream.Stream.concat(taints.stream(),
        java.util.stream.Stream.of(new TaintBuilder().withKey(Taints.NOT_READY).withEffect("NoSchedule").build())).toList();
  }

  private static boolean tolerates(Pod pod, Taint taint) {
    return pod.getSpec().getTolerations() != null
        && pod.getSpec().getTolerations().stream().anyMatch(t -> Taints.tolerates(t, taint));
  }

  private static boolean matchesNodeSelectorAndAffinity(Pod pod, Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector != null && !labels.entrySet().containsAll(selector.entrySet())) {
      return false;
    }
    return Optional.ofNullable(pod.getSpec().getAffinity()).map(Affinity::getNodeAffinity)
        .map(NodeAffinity::getRequiredDuringSchedulingIgnoredDuringExecution)
        .map(required -> Selectors.matchesAnyTerm(required.getNodeSelectorTerms(), node))
        .orElse(true);
  }

  private static Optional<Misfit> misfit(String reason) {
    return Optional.of(new Misfit(reason, false));
  }

  static BigDecimal request(Pod pod, String resource) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getResources() != null && c.getResources().getRequests() != null
          && c.getResources().getRequests().get(resource) != null) {
        sum = sum.add(Quantity.getAmountInBytes(c.getResources().getRequests().get(resource)));
      }
    }
    return sum;
  }

  private static BigDecimal amount(Map<String, Quantity> resources, String name, BigDecimal otherwise) {
    Quantity q = resources == null ? null : resources.get(name);
    if (q == null) {
      return otherwise == null ? BigDecimal.valueOf(Long.MAX_VALUE) : otherwise;
    }
    return Quantity.getAmountInBytes(q);
  }

  static boolean counts(Pod pod) {
    return Pods.isBound(pod) && !Pods.isTerminal(pod);
  }
}
