package dev.takeover.engine.confirm;

import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodFacts;
import dev.takeover.engine.plan.PodRef;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The confirm step's decisions, as plain functions of the pod seen now: is this the moved pod, Ready, with
 * the same claims; and if not yet, why not (for the timeout's message).
 */
public final class MovedPod {
  private MovedPod() {}

  /**
   * True when {@code now} is a new incarnation of {@code old} (same name, other uid), bound to a node other than
   * {@code fromNode}, Ready, not terminating, and mounting the same claims by name.
   */
  public static boolean arrived(PodRef old, String fromNode, List<ClaimBinding> claims, Pod now) {
    return now != null
        && !old.uid().equals(now.getMetadata().getUid())
        && now.getMetadata().getDeletionTimestamp() == null
        && nodeOf(now) != null && !nodeOf(now).equals(fromNode)
        && PodFacts.ready(now)
        && new TreeSet<>(PodFacts.claimNames(now)).equals(
            claims.stream().map(ClaimBinding::claim).collect(Collectors.toCollection(TreeSet::new)));
  }

  /** When the pod's Ready condition last turned True (its lastTransitionTime), or null if it does not say. */
  public static java.time.Instant readySince(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType()) && "True".equals(c.getStatus()) && c.getLastTransitionTime() != null) {
        try {
          return java.time.OffsetDateTime.parse(c.getLastTransitionTime()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
          return null;
        }
      }
    }
    return null;
  }

  public static String nodeOf(Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  /** Where the move stands, in words an operator can act on. */
  public static String whyNot(PodRef old, String fromNode, Pod now) {
    if (now == null) {
      return "no pod " + old.name() + " yet: the StatefulSet has not recreated it";
    }
    if (old.uid().equals(now.getMetadata().getUid())) {
      return "the old pod is still there" + (now.getMetadata().getDeletionTimestamp() != null ? " (terminating)" : "");
    }
    String node = nodeOf(now);
    if (node == null) {
      String scheduled = condition(now, "PodScheduled");
      return "recreated but Pending, not scheduled" + (scheduled == null ? "" : ": " + scheduled);
    }
    if (node.equals(fromNode)) {
      return "recreated on the same node " + node;
    }
    String waiting = waitingReasons(now);
    return "recreated on " + node + " but not Ready" + (waiting.isEmpty() ? "" : " (" + waiting + ")");
  }

  private static String condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if (type.equals(c.getType()) && !"True".equals(c.getStatus())) {
        return Objects.toString(c.getMessage(), Objects.toString(c.getReason(), ""));
      }
    }
    return null;
  }

  private static String waitingReasons(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return "";
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(cs -> cs.getState() != null && cs.getState().getWaiting() != null)
        .map(MovedPod::waiting)
        .collect(Collectors.joining(", "));
  }

  private static String waiting(ContainerStatus cs) {
    return cs.getName() + ": " + cs.getState().getWaiting().getReason();
  }
}
