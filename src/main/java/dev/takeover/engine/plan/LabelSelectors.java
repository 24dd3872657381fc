package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * {@code metav1.LabelSelector} semantics, as the Eviction API applies a PodDisruptionBudget's
 * selector (policy/v1, Kubernetes 1.28 and later):
 *
 * <ul>
 *   <li>a {@code null} selector matches nothing ({@code LabelSelectorAsSelector(nil)} is
 *       {@code labels.Nothing()});
 *   <li>an empty selector ({@code {}}) matches every pod of the namespace: kubernetes/kubernetes#119732
 *       made the Eviction API agree with the disruption controller on this;
 *   <li>an invalid selector (an unknown operator, {@code In} with no values, {@code Exists} with
 *       values) matches nothing: both skip a budget whose selector does not parse.
 * </ul>
 */
public final class LabelSelectors {

  private LabelSelectors() {}

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null || !valid(selector)) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(actual.get(e.getKey())))
        && expressions(selector).stream().allMatch(r -> matches(r, actual));
  }

  private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = values(requirement);
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(requirement.getKey());
      case "DoesNotExist" -> !labels.containsKey(requirement.getKey());
      default -> false;
    };
  }

  private static boolean valid(LabelSelector selector) {
    return expressions(selector).stream().allMatch(r -> {
      if (r.getKey() == null || r.getOperator() == null) {
        return false;
      }
      return switch (r.getOperator()) {
        case "In", "NotIn" -> !values(r).isEmpty();
        case "Exists", "DoesNotExist" -> values(r).isEmpty();
        default -> false;
      };
    });
  }

  private static List<LabelSelectorRequirement> expressions(LabelSelector selector) {
    return selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
  }

  private static List<String> values(LabelSelectorRequirement requirement) {
    return requirement.getValues() == null ? List.of() : requirement.getValues();
  }
}
