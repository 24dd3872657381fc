package dev.takeover.engine.plan;

import java.util.List;
import java.util.Objects;

/**
 * A reason the run must not start, with the objects concerned and the way out.
 *
 * @param reason what is wrong, in one clause ("cannot evict pods using emptyDir")
 * @param objects the pods ({@code ns/name}) or nodes concerned; kept sorted
 * @param remedy how the operator gets past it ("use --delete-emptydir-data"), or {@code null}
 */
public record Refusal(String reason, List<String> objects, String remedy) {

  public Refusal {
    Objects.requireNonNull(reason, "reason");
    objects = objects == null ? List.of() : objects.stream().sorted().toList();
  }

  /** kubectl's style: "cannot evict pods using emptyDir (use --delete-emptydir-data): default/a, default/b". */
  public String message() {
    var text = new StringBuilder(reason);
    if (remedy != null) {
      text.append(" (").append(remedy).append(')');
    }
    if (!objects.isEmpty()) {
      text.append(": ").append(String.join(", ", objects));
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return message();
  }
}
