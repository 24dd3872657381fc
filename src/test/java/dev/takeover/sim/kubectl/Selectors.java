package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Label maps and selectors written the way apimachinery's {@code String()} methods write them. */
final class Selectors {
  private Selectors() {
  }

  /** {@code labels.FormatLabels}: {@code a=1,b=2} sorted by key, or {@code <none>}. */
  static String formatLabels(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return "<none>";
    }
    List<String> pairs = new ArrayList<>();
    new TreeMap<>(labels).forEach((k, v) -> pairs.add(k + "=" + v));
    return String.join(",", pairs);
  }

  /** {@code metav1.FormatLabelSelector}: the selector's string, or {@code <none>} when it selects by nothing. */
  static String formatLabelSelector(LabelSelector selector) {
    String s = selectorString(selector);
    return s.isEmpty() ? "<none>" : s;
  }

  /** {@code LabelSelectorAsSelector(selector).String()}: requirements sorted by key. */
  static String selectorString(LabelSelector selector) {
    if (selector == null) {
      return "";
    }
    TreeMap<String, List<String>> byKey = new TreeMap<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(k + "=" + v));
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      List<String> values = new ArrayList<>(r.getValues());
      values.sort(null);
      String text = switch (r.getOperator()) {
        case "In" -> r.getKey() + " in (" + String.join(",", values) + ")";
        case "NotIn" -> r.getKey() + " notin (" + String.join(",", values) + ")";
        case "Exists" -> r.getKey();
        case "DoesNotExist" -> "!" + r.getKey();
        default -> r.getKey() + " " + r.getOperator() + " (" + String.join(",", values) + ")";
      };
      byKey.computeIfAbsent(r.getKey(), x -> new ArrayList<>()).add(text);
    }
    List<String> all = new ArrayList<>();
    byKey.values().forEach(all::addAll);
    return String.join(",", all);
  }
}
