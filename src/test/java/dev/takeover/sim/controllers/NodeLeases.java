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
 * 10 s; a stopped node's lease is not renewed. Creation happens in a pass; renewal on a timer that does not keep
 * the cluster from being settled.
 */
public final class NodeLeases implements Controller {
  public static final Duration RENEW_INTERVAL = Duration.ofSeconds(10);
  private static final String NAMESPACE = "kube-node-lease";

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    for (Node node : client.nodes().list().getItems()) {
      String name = node.getMetadata().getName();
      if (!context.isStopped(name) && client.leases().inNamespace(NAMESPACE).withName(name).get() == null) {
        client.leases().inNamespace(NAMESPACE).resource(newLease(node)).create();
      }
    }
  }

  /** Renews the leases of live nodes (called every {@link #RENEW_INTERVAL}). */
  public void renew(ControllerContext context) {
    KubernetesClient client = context.client();
    for (Lease lease : client.leases().inNamespace(NAMESPACE).list().getItems()) {
      if (!context.isStopped(lease.getMetadata().getName())) {
        lease.getSpec().setRenewTime(now());
        client.leases().inNamespace(NAMESPACE).resource(lease).update();
      }
    }
  }

  private static Lease newLease(Node node) {
    String name = node.getMetadata().getName();
    return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(name)
            .withUid(node.getMetadata().getUid()).build()).endMetadata()
        .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40).withRenewTime(now()).endSpec().build();
  }

  private static ZonedDateTime now() {
    return ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }
}
