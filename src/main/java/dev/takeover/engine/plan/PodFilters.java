package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;

/**
 * The drain's rules for one pod, kubectl's {@code drain --ignore-daemonsets} in order.
 *
 * <p>Each filter answers for the pods it is about and returns {@code null} for the others; the
 * first answer wins. A pod no filter objects to is evicted. Unlike kubectl, the daemonSet filter
 * asks nothing of the API: a pod whose DaemonSet was deleted is still left alone, where kubectl
 * with {@code --force} would delete it.
 */
public final class PodFilters {

  private PodFilters() {}

  /** The filters in the order they are asked. */
  public static List<PodFilter> inOrder() {
    return List.of(
        PodFilters::daemonSetManaged,
        PodFilters::mirrorPod,
        PodFilters::finished,
        PodFilters::alreadyTerminating,
        PodFilters::localStorage,
        PodFilters::unreplicated);
  }

  /** The first verdict of {@link #inOrder()}, or an eviction when no filter objects. */
  public static PodVerdict verdict(Pod pod, PlanOptions options) {
    for (PodFilter filter : inOrder()) {
      PodVerdict verdict = filter.apply(pod, options);
      if (verdict != null) {
        return verdict;
      }
    }
    return evictable(pod);
  }

  /**
   * Left alone: the DaemonSet controller ignores cordons and would put it back at once. A finished
   * one is not protected (kubectl deletes it too), so it falls through to {@link #finished}.
   */
  public static PodVerdict daemonSetManaged(Pod pod, PlanOptions options) {
    boolean daemon = PodFacts.controllerOf(pod).filter(o -> "DaemonSet".equals(o.getKind())).isPresent();
    if (!daemon || PodFacts.finished(pod)) {
      return null;
    }
    return PodVerdict.leave("DaemonSet-managed: its DaemonSet would put it back at once, cordon or not");
  }

  /** Left alone: a static pod's mirror; the kubelet runs it from a file, the API cannot remove it. */
  public static PodVerdict mirrorPod(Pod pod, PlanOptions options) {
    return PodFacts.mirror(pod)
        ? PodVerdict.leave("mirror pod of a static pod: the kubelet runs it from a file on the node")
        : null;
  }

  /** Deleted: nothing runs any more, so no budget, data or controller is at stake. */
  public static PodVerdict finished(Pod pod, PlanOptions options) {
    return PodFacts.finished(pod)
        ? PodVerdict.delete("finished (" + PodFacts.phase(pod) + "): deleted, nothing to wait for")
        : null;
  }

  /**
   * Evicted, whatever else is true of it: it is going anyway (its emptyDir data with it), and the
   * drain only waits until it is gone. Refusing the run over it would change nothing.
   */
  public static PodVerdict alreadyTerminating(Pod pod, PlanOptions options) {
    return PodFacts.terminating(pod)
        ? PodVerdict.evict("already terminating: the drain waits until it is gone")
        : null;
  }

  /** Refused unless --delete-emptydir-data: an emptyDir lives on this node and dies with the pod. */
  public static PodVerdict localStorage(Pod pod, PlanOptions options) {
    if (!PodFacts.usesEmptyDir(pod) || options.deleteEmptyDirData()) {
      return null;
    }
    return PodVerdict.refuse("cannot evict pods using emptyDir", "use --delete-emptydir-data");
  }

  /** Refused unless --force: with no controller, nothing recreates the pod once it is evicted. */
  public static PodVerdict unreplicated(Pod pod, PlanOptions options) {
    if (PodFacts.controllerOf(pod).isPresent() || options.force()) {
      return null;
    }
    return PodVerdict.refuse(
        "cannot evict pods that declare no controller, nothing would recreate them", "use --force");
  }

  /**
   * What an operator overrode for this pod, one sentence each, for the plan's warnings: kubectl
   * keeps only the last such warning, we keep them all.
   */
  public static List<String> overridden(Pod pod, PlanOptions options) {
    if (PodFacts.finished(pod) || PodFacts.terminating(pod)) {
      return List.of();
    }
    var notes = new ArrayList<String>();
    if (PodFacts.usesEmptyDir(pod) && options.deleteEmptyDirData()) {
      notes.add("evicting pods using emptyDir, whose data is lost (allowed by --delete-emptydir-data)");
    }
    if (PodFacts.controllerOf(pod).isEmpty() && options.force()) {
      notes.add("evicting pods that declare no controller, nothing will recreate them (allowed by --force)");
    }
    return List.copyOf(notes);
  }

  /** Reached only past the filters: no controller means --force, emptyDir means --delete-emptydir-data. */
  private static PodVerdict evictable(Pod pod) {
    String why = PodFacts.controllerOf(pod)
        .map(o -> "evict: its " + o.getKind() + " " + o.getName() + " recreates it")
        .orElse("evict: no controller, nothing will recreate it (allowed by --force)");
    return PodVerdict.evict(PodFacts.usesEmptyDir(pod)
        ? why + "; its emptyDir data is lost (allowed by --delete-emptydir-data)"
        : why);
  }
}
