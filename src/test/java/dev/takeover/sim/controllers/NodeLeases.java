package dev.takeover.sim.controllers;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Each live node's kubelet holds a Lease in kube-node-lease (rest/get-lease-live-node.txt) and renews it every
 * {@code SimTiming.leaseRenewInterval} (10 s in Kubernetes); a stopped node's lease is not renewed. Creation happens in a pass; renewal on a timer that does not keep
 * the cluster from being settled.
 */
public final class NodeLeases implements Controller {
  private static final String NAMESPACE = "kube-node-lease";

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    for (Node node : client.nodes().list().getItems()) {
      String name = node.getMetadata().getName();
      if (!context.isStopped(name) && client.leases().inNamespace(NAMESPACE).withName(name).get() == null) {
        client.leases().inNamespace(NAMESPACE).resource(newLease(node, context.timing().leaseDuration())).create();
      }
    }
  }

  /**
   * Renews the leases of live nodes (called every {@code SimTiming.leaseRenewInterval}): each kubelet its own, the one
   * named after its node; other Leases in the namespace (Takeover's own) are nobody's heartbeat.
   */
  public void renew(ControllerContext context) {
    KubernetesClient client = context.client();
    java.util.Set<String> nodes = new java.util.HashSet<>();
    client.nodes().list().getItems().forEach(n -> nodes.add(n.getMetadata().getName()));
    for (Lease lease : client.leases().inNamespace(NAMESPACE).list().getItems()) {
      if (nodes.contains(lease.getMetadata().getName()) && !context.isStopped(lease.getMetadata().getName())) {
        lease.getSpec().setRenewTime(now());
        client.leases().inNamespace(NAMESPACE).resource(lease).update();
      }
    }
  }

  private static Lease newLease(Node node, Duration duration) {
    String name = node.getMetadata().getName();
    return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(name)
            .withUid(node.getMetadata().getUid()).build()).endMetadata()
        .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds((int) duration.toSeconds()).withRenewTime(now()).endSpec().build();
  }

  private static ZonedDateTime now() {
    return ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }
}
