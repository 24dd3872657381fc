package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * One rule of the drain, as in kubectl's {@code pkg/drain/filters.go}: a pod in, a verdict out.
 *
 * <p>Returns {@code null} when the rule has no opinion on the pod, and the next filter is asked.
 * The first verdict wins, so the order of {@link PodFilters#inOrder()} is part of the rules.
 */
@FunctionalInterface
public interface PodFilter {
  PodVerdict apply(Pod pod, PlanOptions options);
}
