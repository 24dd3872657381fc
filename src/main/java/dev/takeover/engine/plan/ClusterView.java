package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the plan needs, fetched by the engine beforehand: the planner makes no call.
 *
 * @param node the node to take out
 * @param podsOnNode the pods bound to it ({@code spec.nodeName}), DaemonSet and mirror pods included
 * @param nodes all nodes of the cluster, this one included
 * @param claims the claims used by {@code podsOnNode}
 * @param volumes the PersistentVolumes bound to those claims
 * @param pdbs the PodDisruptionBudgets in the namespaces of {@code podsOnNode}
 */
public record ClusterView(
    Node node,
    List<Pod> podsOnNode,
    List<Node> nodes,
    List<PersistentVolumeClaim> claims,
    List<PersistentVolume> volumes,
    List<PodDisruptionBudget> pdbs) {

  public ClusterView {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(node.getMetadata(), "node.metadata");
    podsOnNode = podsOnNode == null ? List.of() : List.copyOf(podsOnNode);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    claims = claims == null ? List.of() : List.copyOf(claims);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    pdbs = pdbs == null ? List.of() : List.copyOf(pdbs);
  }

  public String nodeName() {
    return node.getMetadata().getName();
  }

  /** The other nodes: {@code nodes} without this one, whether or not the caller included it. */
  public List<Node> otherNodes() {
    return nodes.stream().filter(n -> !nodeName().equals(n.getMetadata().getName())).toList();
  }

  public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
    return claims.stream()
        .filter(c -> namespace.equals(c.getMetadata().getNamespace()))
        .filter(c -> name.equals(c.getMetadata().getName()))
        .findFirst();
  }

  public Optional<PersistentVolume> volume(String name) {
    return volumes.stream().filter(v -> name.equals(v.getMetadata().getName())).findFirst();
  }
}
