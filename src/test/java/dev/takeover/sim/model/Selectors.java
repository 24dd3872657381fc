package dev.takeover.sim.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;

import java.util.List;
import java.util.Map;

/** Label selectors and node selector terms, evaluated as Kubernetes evaluates them. */
public final class Selectors {
  private Selectors() {}

  /**
   * metav1.LabelSelectorAsSelector: a null selector matches nothing, an empty one everything
   * (policy/v1 PDB semantics).
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> want : selector.getMatchLabels().entrySet()) {
        if (!want.getValue().equals(actual.get(want.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r.getOperator(), actual.get(r.getKey()), actual.containsKey(r.getKey()), r.getValues())) {
          return false;
        }
      }
    }
    return true;
  }

  /** nodeSelectorTerms are ORed; requirements within a term are ANDed; matchFields knows metadata.name only. */
  public static boolean matchesAnyTerm(List<NodeSelectorTerm> terms, Node node) {
    if (terms == null || terms.isEmpty()) {
      return false;
    }
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    for (NodeSelectorTerm term : terms) {
      boolean empty = (term.getMatchExpressions() == null || term.getMatchExpressions().isEmpty())
          && (term.getMatchFields() == null || term.getMatchFields().isEmpty());
      if (!empty && allMatch(term.getMatchExpressions(), labels) && allMatch(term.getMatchFields(),
          Map.of("metadata.name", node.getMetadata().getName()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean allMatch(List<NodeSelectorRequirement> requirements, Map<String, String> values) {
    if (requirements == null) {
      return true;
    }
    for (NodeSelectorRequirement r : requirements) {
      if (!matches(r.getOperator(), values.get(r.getKey()), values.containsKey(r.getKey()), r.getValues())) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(String operator, String value, boolean present, List<String> values) {
    List<String> wanted = values == null ? List.of() : values;
    switch (operator) {
      case "In": return present && wanted.contains(value);
      case "NotIn": return !present || !wanted.contains(value);
      case "Exists": return present;
      case "DoesNotExist": return !present;
      case "Gt": return present && compare(value, wanted) > 0;
      case "Lt": return present && compare(value, wanted) < 0;
      default: throw new IllegalArgumentException("unknown selector operator " + operator);
    }
  }

  private static int compare(String value, List<String> wanted) {
    try {
      return Long.compare(Long.parseLong(value), Long.parseLong(wanted.get(0)));
    } catch (RuntimeException e) {
      return 0; // not an integer: neither Gt nor Lt holds, as in Kubernetes
    }
  }
}
