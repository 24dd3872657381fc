package dev.takeover.engine;

import dev.takeover.engine.plan.ClusterView;
import dev.takeover.kube.Kube;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Reads what the plan needs, and only that: the node (fresh), its pods (server-side field selector), the
 * claims and volumes those pods use, the budgets of their namespaces, and the nodes (a list: they are few).
 * Nothing here grows with the number of pods in the cluster.
 */
final class ClusterReader {
  private final Kube kube;
  ClusterReader(Kube kube) {
    this.kube = kube;
  }

  /** The view of the node, or a failed future with {@link Run.Stopped} when there is no such node. */
  Future<ClusterView> read(String nodeName) {
    return kube.nodes.get(nodeName).compose(node -> {
      if (node == null) {
        return Future.failedFuture(new Run.Stopped(Outcome.Status.REFUSED, Run.nodeNotFound(nodeName)));
      }
      // Every node, listed now: the plan must not stand on a cache whose watch may have gone quiet.
      return Future.all(kube.pods.onNode(nodeName), kube.nodes.list())
          .compose(both -> readAround(node, both.resultAt(0), both.resultAt(1)));
    });
  }

  private Future<ClusterView> readAround(Node node, List<Pod> pods, List<Node> nodes) {
    List<Future<PersistentVolumeClaim>> claimReads = new ArrayList<>();
    TreeSet<String> namespaces = new TreeSet<>();
    java.util.Set<String> claimsRead = new java.util.HashSet<>(); // a claim shared by pods is read once
    for (Pod pod : pods) {
      String ns = pod.getMetadata().getNamespace();
      namespaces.add(ns);
      if (pod.getSpec() != null && pod.getSpec().getVolumes() != null) {
        for (Volume v : pod.getSpec().getVolumes()) {
          if (v.getPersistentVolumeClaim() != null
              && claimsRead.add(ns + "/" + v.getPersistentVolumeClaim().getClaimName())) {
            claimReads.add(kube.storage.claim(ns, v.getPersistentVolumeClaim().getClaimName()));
          }
        }
      }
    }
    List<Future<List<PodDisruptionBudget>>> budgetReads = new ArrayList<>();
    for (String ns : namespaces) {
      budgetReads.add(kube.budgets.inNamespace(ns));
    }
    return Future.all(claimReads).compose(c -> {
      List<PersistentVolumeClaim> claims = c.<PersistentVolumeClaim>list().stream().filter(Objects::nonNull).toList();
      List<Future<PersistentVolume>> volumeReads = new ArrayList<>();
      for (PersistentVolumeClaim pvc : claims) {
        String volume = pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
        if (volume != null && !volume.isEmpty()) {
          volumeReads.add(kube.storage.volume(volume));
        }
      }
      return Future.all(Future.all(volumeReads), Future.all(budgetReads)).map(vb -> {
        List<PersistentVolume> volumes = vb.<io.vertx.core.CompositeFuture>resultAt(0).<PersistentVolume>list()
            .stream().filter(Objects::nonNull).toList();
        List<PodDisruptionBudget> budgets = new ArrayList<>();
        vb.<io.vertx.core.CompositeFuture>resultAt(1).<List<PodDisruptionBudget>>list().forEach(budgets::addAll);
        return new ClusterView(node, pods, withFresh(node, nodes), claims, volumes, budgets);
      });
    });
  }

  /** All nodes, with the target node replaced by the copy read first. */
  private static List<Node> withFresh(Node node, List<Node> nodes) {
    List<Node> all = new ArrayList<>();
    for (Node n : nodes) {
      if (!n.getMetadata().getName().equals(node.getMetadata().getName())) {
        all.add(n);
      }
    }
    all.add(node);
    return all;
  }
}
