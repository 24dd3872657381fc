package dev.takeover.engine.plan;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the drain of one node will do, decided before anything is touched.
 *
 * @param node the node's name
 * @param pods every pod of the node with its action, sorted by namespace/name
 * @param warnings things the operator should know, which do not stop the run
 * @param refusals reasons the run must not start; empty when it may
 * @param pinnedHere pods ({@code ns/name}) whose volume only this node reaches: evicted only with
 *     --allow-local-volumes, they cannot start elsewhere, so nothing waits for them to
 */
public record Plan(String node, List<PlannedPod> pods, List<String> warnings, List<Refusal> refusals,
                   Set<String> pinnedHere) {

  public Plan {
    Objects.requireNonNull(node, "node");
    pods = pods == null ? List.of() : List.copyOf(pods);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    refusals = refusals == null ? List.of() : List.copyOf(refusals);
    pinnedHere = pinnedHere == null ? Set.of() : Set.copyOf(pinnedHere);
  }

  public Plan(String node, List<PlannedPod> pods, List<String> warnings, List<Refusal> refusals) {
    this(node, pods, warnings, refusals, Set.of());
  }

  public boolean refused() {
    return !refusals.isEmpty();
  }

  public List<PlannedPod> toEvict() {
    return withAction(Action.EVICT);
  }

  public List<PlannedPod> toDelete() {
    return withAction(Action.DELETE);
  }

  public List<PlannedPod> leftAlone() {
    return withAction(Action.LEAVE);
  }

  /** The pods the filters refused; each is also named in one of the {@link #refusals()}. */
  public List<PlannedPod> refusedPods() {
    return withAction(Action.REFUSE);
  }

  /** StatefulSet pods to evict; {@link #toConfirm()} are those the confirm step waits for. */
  public List<PlannedPod> statefulPods() {
    return pods.stream().filter(PlannedPod::stateful).toList();
  }

  /** StatefulSet pods that can start on another node: the ones the confirm step waits for. */
  public List<PlannedPod> toConfirm() {
    return statefulPods().stream().filter(p -> !pinnedHere.contains(p.pod().key())).toList();
  }

  /** One line per refusal, kubectl's style; empty when the run may start. */
  public List<String> refusalMessages() {
    return refusals.stream().map(Refusal::message).toList();
  }

  private List<PlannedPod> withAction(Action action) {
    return pods.stream().filter(p -> p.action() == action).toList();
  }
}
