package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The plan step: given what the engine fetched, decide what the drain will do with each pod and
 * whether the run may start at all. Pure: nothing is read or written here.
 *
 * <p>The checks run in the order an operator would ask the questions: may this node go out
 * ({@link NodeChecks}), may each pod go ({@link PodFilters}), can its volumes follow it
 * ({@link VolumeChecks}), will its budget let it ({@link BudgetChecks}), is there a node that will
 * take it ({@link PlacementChecks}).
 */
public final class Planner {
  private static final Comparator<Pod> BY_KEY = Comparator
      .comparing((Pod p) -> p.getMetadata().getNamespace())
      .thenComparing(p -> p.getMetadata().getName());

  private Planner() {}

  private record Classified(Pod pod, PodVerdict verdict) {}

  public static Plan plan(ClusterView view, PlanOptions options) {
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(options, "options");
    var findings = new Findings();
    List<Classified> classified = classify(view, options, findings);
    List<Pod> evicting = classified.stream()
        .filter(c -> c.verdict().action() == Action.EVICT)
        .map(Classified::pod)
        .toList();

    boolean somewhereToGo = NodeChecks.check(view, options, evicting, findings);
    for (Classified c : classified) {
      String key = PodRef.of(c.pod()).key();
      switch (c.verdict().action()) {
        case REFUSE -> findings.refuse(c.verdict().reason(), c.verdict().remedy(), key);
        case EVICT -> PodFilters.overridden(c.pod(), options).forEach(note -> findings.warn(note, key));
        default -> { }
      }
    }
    Map<String, List<ClaimBinding>> claims = VolumeChecks.bindings(view, evicting, findings);
    Set<String> pinned = VolumeChecks.pinnedToNode(view, options, evicting, claims, findings);
    BudgetChecks.check(view, evicting, findings);
    if (somewhereToGo) {
      // With no other node at all, saying of each pod that it has nowhere to go adds nothing.
      PlacementChecks.check(view, evicting, claims, pinned, findings);
    }

    var pods = new ArrayList<PlannedPod>();
    for (Classified c : classified) {
      PodRef ref = PodRef.of(c.pod());
      var owner = PodFacts.controllerOf(c.pod());
      pods.add(new PlannedPod(
          ref,
          c.verdict().action(),
          c.verdict().describe(),
          owner.map(OwnerReference::getKind).orElse(null),
          owner.map(OwnerReference::getName).orElse(null),
          claims.getOrDefault(ref.key(), List.of()),
          PodFacts.gracePeriodSeconds(c.pod()),
          PodFacts.labels(c.pod())));
    }
    return new Plan(view.nodeName(), pods, findings.warnings(), findings.refusals(), pinned);
  }

  /**
   * Every pod of the node with its verdict, sorted by namespace/name. A pod the listing returned
   * but that is bound to another node is left out with a warning: a wrong field selector must not
   * make us evict pods elsewhere.
   */
  private static List<Classified> classify(ClusterView view, PlanOptions options, Findings findings) {
    var result = new ArrayList<Classified>();
    for (Pod pod : view.podsOnNode().stream().sorted(BY_KEY).toList()) {
      String boundTo = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
      if (!view.nodeName().equals(boundTo)) {
        findings.warn("ignoring pods listed for " + view.nodeName() + " that are not bound to it",
            PodRef.of(pod).key() + (boundTo == null ? " (not scheduled)" : " (on " + boundTo + ")"));
        continue;
      }
      result.add(new Classified(pod, PodFilters.verdict(pod, options)));
    }
    return result;
  }
}
