package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/**
 * {@code v1.NodeSelector} semantics, as the scheduler applies a pod's required node affinity and
 * a PersistentVolume's {@code nodeAffinity.required}: the terms are ORed, the requirements of a term
 * ANDed; a term with no requirement, and a selector with no term, match no node.
 */
public final class NodeSelectors {
  /** The only field a {@code matchFields} requirement may name. */
  static final String NODE_NAME_FIELD = "metadata.name";

  private NodeSelectors() {}

  public static boolean matches(NodeSelector selector, Node node) {
    if (selector == null || selector.getNodeSelectorTerms() == null) {
      return false;
    }
    return selector.getNodeSelectorTerms().stream().anyMatch(term -> matches(term, node));
  }

  static boolean matches(NodeSelectorTerm term, Node node) {
    if (term == null) {
      return false;
    }
    List<NodeSelectorRequirement> expressions = orEmpty(term.getMatchExpressions());
    List<NodeSelectorRequirement> fields = orEmpty(term.getMatchFields());
    if (expressions.isEmpty() && fields.isEmpty()) {
      return false;
    }
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    Map<String, String> nodeFields = Map.of(NODE_NAME_FIELD, node.getMetadata().getName());
    return expressions.stream().allMatch(r -> matches(r, labels))
        && fields.stream().allMatch(r -> NODE_NAME_FIELD.equals(r.getKey()) && matches(r, nodeFields));
  }

  static boolean matches(NodeSelectorRequirement requirement, Map<String, String> labels) {
    String key = requirement.getKey();
    String value = labels.get(key);
    List<String> values = orEmpty(requirement.getValues());
    if (requirement.getOperator() == null) {
      return false;
    }
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(key);
      case "DoesNotExist" -> !labels.containsKey(key);
      case "Gt" -> compare(value, values) > 0;
      case "Lt" -> compare(value, values) < 0;
      default -> false;
    };
  }

  /**
   * The sign of label minus the single integer value, or 0 (no match for Gt nor Lt) when either is
   * missing or not an integer: the scheduler treats that as a selector that matches nothing.
   */
  private static int compare(String label, List<String> values) {
    if (label == null || values.size() != 1) {
      return 0;
    }
    try {
      return Long.compare(Long.parseLong(label), Long.parseLong(values.get(0)));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
