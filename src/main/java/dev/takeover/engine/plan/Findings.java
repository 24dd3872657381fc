package dev.takeover.engine.plan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the checks of one plan found, grouped by reason as kubectl groups pods: one refusal or one
 * warning per reason, listing every object concerned, sorted. Reasons keep the order in which the
 * checks first raised them, so a plan reads the same every time.
 */
final class Findings {
  private record Key(String reason, String remedy) {}

  private final Map<Key, Set<String>> refusals = new LinkedHashMap<>();
  private final Map<String, Set<String>> warnings = new LinkedHashMap<>();

  void refuse(String reason, String remedy, Collection<String> objects) {
    refusals.computeIfAbsent(new Key(reason, remedy), k -> new TreeSet<>()).addAll(objects);
  }

  void refuse(String reason, String remedy, String object) {
    refuse(reason, remedy, List.of(object));
  }

  /** A warning that stands alone. */
  void warn(String message) {
    warnings.computeIfAbsent(message, k -> new TreeSet<>());
  }

  /** A warning shared by several objects: "message: a, b". */
  void warn(String message, String object) {
    warnings.computeIfAbsent(message, k -> new TreeSet<>()).add(object);
  }

  List<Refusal> refusals() {
    var result = new ArrayList<Refusal>();
    refusals.forEach((key, objects) -> result.add(new Refusal(key.reason(), List.copyOf(objects), key.remedy())));
    return result;
  }

  List<String> warnings() {
    var result = new ArrayList<String>();
    warnings.forEach((message, objects) ->
        result.add(objects.isEmpty() ? message : message + ": " + String.join(", ", objects)));
    return result;
  }
}
