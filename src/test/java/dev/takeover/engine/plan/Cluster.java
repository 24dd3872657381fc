package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A cluster as the engine would fetch it: {@link #draining} keeps the pods bound to that node. */
final class Cluster {
  private final List<Node> nodes;
  private final List<Pod> pods = new ArrayList<>();
  private final List<PersistentVolumeClaim> claims = new ArrayList<>();
  private final List<PersistentVolume> volumes = new ArrayList<>();
  private final List<PodDisruptionBudget> pdbs = new ArrayList<>();

  private Cluster(List<Node> nodes) {
    this.nodes = nodes;
  }

  static Cluster of(Node... nodes) {
    return new Cluster(Arrays.asList(nodes));
  }

  Cluster with(Pod... more) {
    pods.addAll(Arrays.asList(more));
    return this;
  }

  Cluster with(PersistentVolumeClaim... more) {
    claims.addAll(Arrays.asList(more));
    return this;
  }

  Cluster with(PersistentVolume... more) {
    volumes.addAll(Arrays.asList(more));
    return this;
  }

  Cluster with(PodDisruptionBudget... more) {
    pdbs.addAll(Arrays.asList(more));
    return this;
  }

  ClusterView draining(String nodeName) {
    Node node = nodes.stream().filter(n -> n.getMetadata().getName().equals(nodeName)).findFirst().orElseThrow();
    List<Pod> onNode = pods.stream().filter(p -> nodeName.equals(p.getSpec().getNodeName())).toList();
    return new ClusterView(node, onNode, nodes, claims, volumes, pdbs);
  }

  Plan plan(String nodeName, PlanOptions options) {
    return Planner.plan(draining(nodeName), options);
  }

  Plan plan(String nodeName) {
    return plan(nodeName, PlanOptions.defaults());
  }
}
