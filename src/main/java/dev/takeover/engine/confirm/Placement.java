package dev.takeover.engine.confirm;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Whether an owner's evicted pods have replacements scheduled on other nodes, as a plain function of its pods
 * seen now. Before the node is uncordoned this must hold, or the scheduler may put the replacements still
 * Pending straight back onto the node just drained.
 *
 * @param namespace   the owner's namespace
 * @param kind        ReplicaSet, Job, …
 * @param name        the owner's name
 * @param desired     how many pods the owner wants (a ReplicaSet's spec.replicas), or null when unknown: then
 *                    one new pod per evicted pod is awaited
 * @param evictedUids the uids of the owner's pods that were evicted
 * @param notBefore   the first eviction of the owner's pods, to the second: without a desired count, only pods
 *                    created since then are replacements (its other pods already running elsewhere are not)
 */
public record Placement(String namespace, String kind, String name, Integer desired, Set<String> evictedUids,
                        java.time.Instant notBefore) {

  /** Where the owner stands: how many replacements are still not scheduled elsewhere, and why, pod by pod. */
  public record Standing(int pending, List<String> why) {}

  public Standing standing(String drainedNode, Collection<Pod> pods) {
    int placed = 0;
    List<String> why = new ArrayList<>();
    for (Pod pod : pods) {
      if (!ownedAndActive(pod)) {
        continue;
      }
      String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
      boolean counts = desired != null || !evictedUids.contains(pod.getMetadata().getUid()) && createdSince(pod);
      if (node != null && !node.isEmpty() && !node.equals(drainedNode)) {
        placed += counts ? 1 : 0;
      } else if (counts) {
        why.add(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
            + (node == null || node.isEmpty() ? " Pending: " + notScheduled(pod) : " back on " + node));
      }
    }
    int wanted = desired != null ? desired : evictedUids.size();
    int pending = Math.max(0, wanted - placed);
    if (pending > why.size()) {
      int missing = pending - why.size();
      why.add(missing + (missing == 1 ? " replacement" : " replacements") + " not created yet by " + kind + " "
          + namespace + "/" + name);
    }
    return new Standing(pending, why);
  }

  private boolean createdSince(Pod pod) {
    String created = pod.getMetadata().getCreationTimestamp();
    return created == null || !java.time.Instant.parse(created).isBefore(notBefore);
  }

  private boolean ownedAndActive(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return pod.getMetadata().getDeletionTimestamp() == null && !"Succeeded".equals(phase) && !"Failed".equals(phase)
        && pod.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && kind.equals(o.getKind()) && name.equals(o.getName()));
  }

  /** The scheduler's own words (PodScheduled=False), e.g. "0/3 nodes are available: 1 node(s) were unschedulable". */
  static String notScheduled(Pod pod) {
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
          return c.getMessage() != null ? c.getMessage() : String.valueOf(c.getReason());
        }
      }
    }
    return "not scheduled yet";
  }
}
