package dev.takeover.engine;

import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlannedPod;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which StatefulSet pods a run must confirm elsewhere before it uncordons: those its plan evicts, and those evicted
 * before the run was cut off (known from the daemon's state, or listed on the node by {@link NodeRecord#CONFIRM}).
 */
final class ConfirmList {
  private ConfirmList() {}

  /** The pods to confirm with {@code plan}: the plan's, then those evicted earlier that the plan does not hold. */
  static List<EvictedEarlier> of(Run run, Plan plan) {
    List<EvictedEarlier> out = new ArrayList<>();
    for (PlannedPod p : plan.toConfirm()) {
      out.add(new EvictedEarlier(p.pod(), run.nodeName(), p.claims(), run.started));
    }
    for (EvictedEarlier e : run.earlier) {
      if (out.stream().noneMatch(o -> o.pod().key().equals(e.pod().key()))) {
        out.add(e);
      }
    }
    return out;
  }

  static Set<String> uids(Run run, Plan plan) {
    return of(run, plan).stream().map(e -> e.pod().uid()).collect(Collectors.toSet());
  }

  /**
   * The pods this run evicted before a restart (a resumed run), except any its plan holds under the same name: the
   * plan's own confirm covers those, and a pod is never confirmed twice.
   */
  static List<EvictedEarlier> earlier(Run run) {
    return run.earlier.stream().filter(e -> run.plan.pods().stream()
        .noneMatch(p -> p.pod().key().equals(e.pod().key()))).toList();
  }

  /**
   * Adds to {@code known} the pods a cut-off run listed on the node that are gone from it (no pod there with that
   * uid): it evicted them, or someone did, and either way they must be confirmed elsewhere before the uncordon. A
   * pod the run already knows of (from the daemon's state, with its eviction time) is kept as known.
   */
  static List<EvictedEarlier> withListed(List<EvictedEarlier> known, List<EvictedEarlier> listed, List<Pod> onNode) {
    Set<String> present = onNode.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
    List<EvictedEarlier> out = new ArrayList<>(known);
    for (EvictedEarlier e : listed) {
      if (!present.contains(e.pod().uid()) && out.stream().noneMatch(k -> k.pod().key().equals(e.pod().key()))) {
        out.add(e);
      }
    }
    return out;
  }
}
