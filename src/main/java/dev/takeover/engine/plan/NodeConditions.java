package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node is, and whether a pod may land on it, with the scheduler's semantics for the parts
 * the plan needs: taints and tolerations, nodeSelector, required node affinity, volume affinity.
 * Resources, inter-pod (anti-)affinity and topology spread are not checked.
 */
public final class NodeConditions {
  public static final String CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
  /** The taint that mirrors {@code spec.unschedulable}. */
  public static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";
  /** Still set on clusters installed before Kubernetes 1.24. */
  public static final String LEGACY_MASTER_LABEL = "node-role.kubernetes.io/master";

  /**
   * The tolerations every pod gets from the DefaultTolerationSeconds admission plugin. Their taints
   * are only put on nodes that are not Ready, so in practice an ordinary pod tolerates no hard taint.
   */
  static final List<Toleration> ORDINARY_POD_TOLERATIONS = List.of(
      defaultToleration("node.kubernetes.io/not-ready"), defaultToleration("node.kubernetes.io/unreachable"));

  private NodeConditions() {}

  /** The kubelet reports the node Ready (condition {@code Ready} is {@code True}). */
  public static boolean isReady(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .map(NodeCondition::getStatus)
        .anyMatch("True"::equals);
  }

  /** Not cordoned: {@code spec.unschedulable} is unset or false. */
  public static boolean isSchedulable(Node node) {
    return node.getSpec() == null || !Boolean.TRUE.equals(node.getSpec().getUnschedulable());
  }

  public static boolean isControlPlane(Node node) {
    Map<String, String> labels = labels(node);
    return labels.containsKey(CONTROL_PLANE_LABEL) || labels.containsKey(LEGACY_MASTER_LABEL);
  }

  /** Some toleration of the list tolerates the taint. */
  public static boolean tolerates(List<Toleration> tolerations, Taint taint) {
    return tolerations != null && tolerations.stream().anyMatch(t -> tolerates(t, taint));
  }

  /**
   * {@code Toleration.ToleratesTaint}: an empty effect matches every effect, an empty key with
   * {@code Exists} every taint; {@code Equal} (the default operator) also compares the value.
   */
  public static boolean tolerates(Toleration toleration, Taint taint) {
    if (!isEmpty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (!isEmpty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator = isEmpty(toleration.getOperator()) ? "Equal" : toleration.getOperator();
    return switch (operator) {
      case "Exists" -> true;
      case "Equal" -> Objects.equals(orEmpty(toleration.getValue()), orEmpty(taint.getValue()));
      default -> false; // an operator this code does not know: assume it does not tolerate
    };
  }

  /**
   * The first taint that keeps a pod with these tolerations off the node. Only NoSchedule and
   * NoExecute count, as for the scheduler; PreferNoSchedule is a wish.
   */
  public static Optional<Taint> untoleratedTaint(List<Toleration> tolerations, Node node) {
    if (node.getSpec() == null || node.getSpec().getTaints() == null) {
      return Optional.empty();
    }
    return node.getSpec().getTaints().stream()
        .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
        // The node lifecycle controller mirrors spec.unschedulable into this taint a moment later: on a node just
        // uncordoned it is about to go, and counting it would refuse a plan for a node that is free again.
        .filter(t -> !(UNSCHEDULABLE_TAINT.equals(t.getKey()) && isSchedulable(node)))
        .filter(t -> !tolerates(tolerations, t))
        .findFirst();
  }

  /** Every {@code spec.nodeSelector} label is on the node with that value. */
  public static boolean matchesNodeSelector(Pod pod, Node node) {
    Map<String, String> wanted = pod.getSpec() == null ? null : pod.getSpec().getNodeSelector();
    if (wanted == null) {
      return true;
    }
    Map<String, String> labels = labels(node);
    return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** The node satisfies {@code affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution}, if any. */
  public static boolean matchesRequiredAffinity(Pod pod, Node node) {
    var spec = pod.getSpec();
    if (spec == null || spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null) {
      return true;
    }
    var required = spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    return required == null || NodeSelectors.matches(required, node);
  }

  /** The volume can be reached from the node: no {@code spec.nodeAffinity.required}, or it matches. */
  public static boolean matchesVolumeAffinity(PersistentVolume volume, Node node) {
    return !hasVolumeAffinity(volume) || NodeSelectors.matches(volume.getSpec().getNodeAffinity().getRequired(), node);
  }

  public static boolean hasVolumeAffinity(PersistentVolume volume) {
    var spec = volume.getSpec();
    return spec != null && spec.getNodeAffinity() != null && spec.getNodeAffinity().getRequired() != null;
  }

  /** {@code key=value:Effect}, or {@code key:Effect} without a value, as kubectl prints a taint. */
  public static String describe(Taint taint) {
    return taint.getKey() + (isEmpty(taint.getValue()) ? "" : "=" + taint.getValue()) + ":" + taint.getEffect();
  }

  private static Toleration defaultToleration(String key) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator("Exists")
        .withEffect("NoExecute")
        .withTolerationSeconds(300L)
        .build();
  }

  static Map<String, String> labels(Node node) {
    return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
