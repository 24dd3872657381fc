package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Is there another node that will take each pod, by the scheduler's hard rules that the plan can
 * see: taints, nodeSelector, required node affinity, volume node affinity. Only a warning: the
 * replacement is judged by the scheduler, on more than this (resources, pod anti-affinity,
 * topology spread), and the confirm step reports its verdict when it times out.
 */
final class PlacementChecks {

  private PlacementChecks() {}

  /**
   * Warns about each pod to evict that no other Ready, schedulable node fits, naming why each node
   * does not. Skips pods already reported as pinned by their volume, and pods without a
   * controller, which nothing recreates anyway.
   */
  static void check(
      ClusterView view,
      List<Pod> evicting,
      Map<String, List<ClaimBinding>> claims,
      Set<String> pinned,
      Findings findings) {
    List<Node> takers = NodeChecks.takers(view);
    if (takers.isEmpty()) {
      return;
    }
    for (Pod pod : evicting) {
      String key = PodRef.of(pod).key();
      if (pinned.contains(key) || PodFacts.controllerOf(pod).isEmpty()) {
        continue;
      }
      List<PersistentVolume> volumes = claims.getOrDefault(key, List.of()).stream()
          .filter(ClaimBinding::bound)
          .flatMap(b -> view.volume(b.volume()).stream())
          .toList();
      Map<String, Set<String>> nodesByReason = new TreeMap<>();
      boolean fits = false;
      for (Node node : takers) {
        Optional<String> reason = whyNot(pod, volumes, node);
        if (reason.isEmpty()) {
          fits = true;
          break;
        }
        nodesByReason.computeIfAbsent(reason.get(), r -> new TreeSet<>()).add(node.getMetadata().getName());
      }
      if (!fits) {
        findings.warn(key + " may stay Pending: no other Ready, schedulable node fits it ("
            + nodesByReason.entrySet().stream()
                .map(e -> e.getKey() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "))
            + ")");
      }
    }
  }

  /** The first rule by which the node would not take the pod, in the scheduler's filter order. */
  static Optional<String> whyNot(Pod pod, List<PersistentVolume> volumes, Node node) {
    var taint = NodeConditions.untoleratedTaint(PodFacts.tolerations(pod), node);
    if (taint.isPresent()) {
      return Optional.of("taint " + NodeConditions.describe(taint.get()) + " not tolerated");
    }
    if (!NodeConditions.matchesNodeSelector(pod, node)) {
      return Optional.of("its nodeSelector " + new TreeMap<>(pod.getSpec().getNodeSelector()) + " does not match");
    }
    if (!NodeConditions.matchesRequiredAffinity(pod, node)) {
      return Optional.of("its required node affinity does not match");
    }
    return volumes.stream()
        .filter(v -> !NodeConditions.matchesVolumeAffinity(v, node))
        .findFirst()
        .map(v -> "the node affinity of PersistentVolume " + v.getMetadata().getName() + " does not match");
  }
}
