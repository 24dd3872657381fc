package dev.takeover.cluster;

import dev.takeover.engine.NodeRecord;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What {@link DeadNodes} is told of the cluster's objects, read from them as {@link DeadNodeWatch} gets them. */
final class NodeViews {
  private NodeViews() {}

  static boolean ofStatefulSet(Pod pod) {
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(o -> "StatefulSet".equals(o.getKind())
        && Boolean.TRUE.equals(o.getController()));
  }

  static DeadNodes.NodeView view(Node node) {
    NodeCondition ready = node.getStatus() == null || node.getStatus().getConditions() == null ? null
        : node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    boolean isReady = ready != null && "True".equals(ready.getStatus());
    Instant since = null;
    String reason = "";
    if (!isReady) {
      since = ready == null ? null : instant(ready.getLastTransitionTime());
      reason = ready == null ? "no Ready condition" : "Ready " + ready.getStatus()
          + (ready.getReason() == null ? "" : " (" + ready.getReason() + ")");
    }
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    String outOfService = annotations == null ? null : annotations.get(NodeRecord.OUT_OF_SERVICE);
    NodeRecord record = NodeRecord.read(node);
    return new DeadNodes.NodeView(node.getMetadata().getName(), isReady, since, reason,
        record != null && record.underMaintenance(), outOfService);
  }

  static DeadNodes.LeaseView lease(Lease lease) {
    if (lease.getSpec() == null) {
      return new DeadNodes.LeaseView(null, null);
    }
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    return new DeadNodes.LeaseView(lease.getSpec().getRenewTime() == null ? null
        : lease.getSpec().getRenewTime().toInstant(), seconds == null ? null : Duration.ofSeconds(seconds));
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null; // counted from when it was first seen not Ready
    }
  }
}
