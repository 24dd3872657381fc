package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vertx.core.Future;

/**
 * Leases (coordination.k8s.io/v1) Takeover holds itself: one per node a run acts on. Every write is a compare and
 * swap: a create fails with 409 when the Lease exists, an update carries the resourceVersion it was decided on and
 * fails with 409 when someone wrote in between (the API server's optimistic concurrency; nothing is overwritten).
 */
public final class LeaseOps {
  private final KubeCalls calls;

  public LeaseOps(KubeCalls calls) {
    this.calls = calls;
  }

  /** The Lease, or null when there is none. */
  public Future<Lease> get(String namespace, String name) {
    return calls.blocking("read lease " + namespace + "/" + name,
        () -> calls.noRetryClient().leases().inNamespace(namespace).withName(name).get());
  }

  /** Creates it; fails (409) when one of that name exists. */
  public Future<Lease> create(Lease lease) {
    return calls.blocking("create lease " + where(lease),
        () -> calls.noRetryClient().leases().inNamespace(lease.getMetadata().getNamespace()).resource(lease).create());
  }

  /** Replaces it if its resourceVersion is still the one in {@code lease}; fails (409) otherwise. */
  public Future<Lease> update(Lease lease) {
    return calls.blocking("update lease " + where(lease),
        () -> calls.noRetryClient().leases().inNamespace(lease.getMetadata().getNamespace()).resource(lease).update());
  }

  private static String where(Lease lease) {
    return lease.getMetadata().getNamespace() + "/" + lease.getMetadata().getName();
  }
}
