package dev.takeover.engine.plan;

/**
 * What the operator agreed to for this run. Each flag overrides one refusal, and the refusal's
 * message names it ({@code --delete-emptydir-data}, {@code --force}, {@code --allow-local-volumes},
 * {@code --allow-control-plane}, {@code --max-nodes-in-maintenance}).
 *
 * @param deleteEmptyDirData evict pods using emptyDir although their data is lost (kubectl's flag)
 * @param force evict pods that declare no controller although nothing recreates them (kubectl's)
 * @param allowLocalVolumes evict pods whose volume only this node reaches; they stay Pending until
 *     the node is back
 * @param allowControlPlane take a control-plane node out
 * @param maxNodesInMaintenance how many nodes may be cordoned at once, this one included
 */
public record PlanOptions(
    boolean deleteEmptyDirData,
    boolean force,
    boolean allowLocalVolumes,
    boolean allowControlPlane,
    int maxNodesInMaintenance) {

  public PlanOptions {
    if (maxNodesInMaintenance < 1) {
      throw new IllegalArgumentException(
          "maxNodesInMaintenance must be at least 1 (the node being taken out), not "
              + maxNodesInMaintenance);
    }
  }

  /** Nothing overridden, one node at a time: what kubectl drain --ignore-daemonsets does. */
  public static PlanOptions defaults() {
    return new PlanOptions(false, false, false, false, 1);
  }

  public PlanOptions withDeleteEmptyDirData(boolean value) {
    return new PlanOptions(value, force, allowLocalVolumes, allowControlPlane, maxNodesInMaintenance);
  }

  public PlanOptions withForce(boolean value) {
    return new PlanOptions(deleteEmptyDirData, value, allowLocalVolumes, allowControlPlane, maxNodesInMaintenance);
  }

  public PlanOptions withAllowLocalVolumes(boolean value) {
    return new PlanOptions(deleteEmptyDirData, force, value, allowControlPlane, maxNodesInMaintenance);
  }

  public PlanOptions withAllowControlPlane(boolean value) {
    return new PlanOptions(deleteEmptyDirData, force, allowLocalVolumes, value, maxNodesInMaintenance);
  }

  public PlanOptions withMaxNodesInMaintenance(int value) {
    return new PlanOptions(deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, value);
  }
}
