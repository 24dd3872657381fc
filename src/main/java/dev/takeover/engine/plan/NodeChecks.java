package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;

/** May this node go out at all: what it is, and whether the rest of the cluster can do without it. */
final class NodeChecks {

  private NodeChecks() {}

  /**
   * Raises the node-level refusals and warnings.
   *
   * @return whether some other node could take the evicted pods
   */
  static boolean check(ClusterView view, PlanOptions options, List<Pod> evicting, Findings findings) {
    Node node = view.node();
    String name = view.nodeName();
    if (NodeConditions.isControlPlane(node) && !options.allowControlPlane()) {
      findings.refuse("cannot take a control-plane node out", "use --allow-control-plane", name);
    }
    maintenanceCount(view, options, findings);
    boolean somewhereToGo = somewhereToGo(view, evicting, findings);
    if (!evicting.isEmpty() && !NodeConditions.isReady(node)) {
      // The kubelet finishes a graceful deletion; without it evicted pods stay Terminating, and a
      // StatefulSet does not recreate a pod that still exists (seed §12.1 (4)).
      findings.refuse(
          "cannot drain a node that is not Ready: its kubelet would not finish the evicted pods, they would"
              + " stay Terminating and StatefulSet pods would not be recreated",
          "bring the node back first; for a node that is gone, use the node.kubernetes.io/out-of-service taint",
          name);
    }
    if (!NodeConditions.isSchedulable(node)) {
      findings.warn("node " + name + " is already cordoned, maybe by someone at work on it:"
          + " it stays cordoned after the run unless Takeover cordoned it");
    }
    return somewhereToGo;
  }

  /** Other nodes that are Ready and not cordoned: where the scheduler may put evicted pods. */
  static List<Node> takers(ClusterView view) {
    return view.otherNodes().stream()
        .filter(NodeConditions::isReady)
        .filter(NodeConditions::isSchedulable)
        .toList();
  }

  /** A cordon by anyone counts: several nodes out at once is what the limit is about. */
  private static void maintenanceCount(ClusterView view, PlanOptions options, Findings findings) {
    List<String> cordoned = view.otherNodes().stream()
        .filter(n -> !NodeConditions.isSchedulable(n))
        .map(n -> n.getMetadata().getName())
        .toList();
    int underMaintenance = cordoned.size() + 1;
    if (underMaintenance > options.maxNodesInMaintenance()) {
      findings.refuse(
          "too many nodes under maintenance, at most " + options.maxNodesInMaintenance()
              + " allowed and these are cordoned already",
          "uncordon one or raise --max-nodes-in-maintenance",
          cordoned);
    }
  }

  /**
   * Refuses when no other node is Ready, schedulable and free of hard taints that an ordinary pod,
   * or at least one of the pods to evict, tolerates. The objects say why each node does not count.
   */
  private static boolean somewhereToGo(ClusterView view, List<Pod> evicting, Findings findings) {
    boolean any = takers(view).stream().anyMatch(n -> blockingTaint(n, evicting).isEmpty());
    if (!any) {
      findings.refuse(
          "no other node is Ready, schedulable and without a taint the pods do not tolerate:"
              + " evicted pods would have nowhere to go",
          "uncordon or add a node",
          view.otherNodes().stream()
              .map(n -> n.getMetadata().getName() + " (" + whyNotATaker(n, evicting) + ")")
              .toList());
    }
    return any;
  }

  private static String whyNotATaker(Node node, List<Pod> evicting) {
    if (!NodeConditions.isReady(node)) {
      return "not Ready";
    }
    if (!NodeConditions.isSchedulable(node)) {
      return "cordoned";
    }
    return blockingTaint(node, evicting).map(t -> "taint " + t).orElse("?");
  }

  /** A hard taint of the node that neither an ordinary pod nor any pod to evict tolerates. */
  private static Optional<String> blockingTaint(Node node, List<Pod> evicting) {
    var forOrdinary = NodeConditions.untoleratedTaint(NodeConditions.ORDINARY_POD_TOLERATIONS, node);
    if (forOrdinary.isEmpty()) {
      return Optional.empty();
    }
    boolean someoneTolerates = evicting.stream()
        .anyMatch(p -> NodeConditions.untoleratedTaint(PodFacts.tolerations(p), node).isEmpty());
    return someoneTolerates ? Optional.empty() : forOrdinary.map(NodeConditions::describe);
  }
}
