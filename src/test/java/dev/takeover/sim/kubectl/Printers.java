package dev.takeover.sim.kubectl;

import java.util.Map;

/** Which printer the API server uses for a resource; kinds it has no printer for get the default Table. */
final class Printers {
  private Printers() {
  }

  private static final Map<String, Printer<?>> BY_RESOURCE = Map.ofEntries(
      Map.entry("pods", PodPrinter.PRINTER),
      Map.entry("nodes", NodePrinter.PRINTER),
      Map.entry("persistentvolumes", StoragePrinters.PV),
      Map.entry("persistentvolumeclaims", StoragePrinters.PVC),
      Map.entry("services", ClusterPrinters.SERVICE),
      Map.entry("namespaces", ClusterPrinters.NAMESPACE),
      Map.entry("events", EventPrinter.CORE),
      Map.entry("events.k8s.io/events", EventPrinter.EVENTS_V1),
      Map.entry("apps/statefulsets", WorkloadPrinters.STATEFUL_SET),
      Map.entry("apps/daemonsets", WorkloadPrinters.DAEMON_SET),
      Map.entry("apps/deployments", WorkloadPrinters.DEPLOYMENT),
      Map.entry("apps/replicasets", WorkloadPrinters.REPLICA_SET),
      Map.entry("coordination.k8s.io/leases", ClusterPrinters.LEASE),
      Map.entry("policy/poddisruptionbudgets", ClusterPrinters.PDB));

  /** The printer for {@code resource} of API group {@code group} ("" for the core group). */
  static Printer<?> forResource(String group, String resource) {
    String key = group.isEmpty() ? resource : group + "/" + resource;
    return BY_RESOURCE.getOrDefault(key, ClusterPrinters.DEFAULT);
  }
}
