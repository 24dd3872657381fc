/**
 * The plan step of a takeover: which pods of the node go, how, and whether the run may start.
 *
 * <p>Pure decisions over fabric8 model objects that the engine fetched ({@link
 * dev.takeover.engine.plan.ClusterView}); no I/O, no Vert.x. {@link dev.takeover.engine.plan.Planner#plan}
 * returns a {@link dev.takeover.engine.plan.Plan}: each pod with an {@link dev.takeover.engine.plan.Action},
 * warnings, and refusals grouped by reason with the flag or action that gets past them.
 *
 * <p>Pods are classified as {@code kubectl drain --ignore-daemonsets} does ({@link
 * dev.takeover.engine.plan.PodFilters}); the node, volume, budget and placement checks add what
 * kubectl leaves to the operator's eyes: a local volume that pins a pod to the node, no other node
 * to go to, a control plane, too many nodes out at once, a budget that allows no disruption.
 */
package dev.takeover.engine.plan;
