package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Services, Leases, PodDisruptionBudgets, Namespaces, and the server's default Table for every other kind. */
final class ClusterPrinters {
  private ClusterPrinters() {
  }

  static final Printer<Service> SERVICE = Printer.of(Service.class, List.of(
      Column.objectName(),
      Column.of("Type", "ServiceSpec.type"),
      Column.of("Cluster-IP", "ServiceSpec.clusterIP"),
      Column.of("External-IP", "ServiceSpec.externalIPs"),
      Column.of("Port(s)", "ServiceSpec.ports"),
      Column.age(),
      Column.of("Selector", "ServiceSpec.selector").wide()), ClusterPrinters::service);

  static final Printer<Lease> LEASE = Printer.of(Lease.class, List.of(
      Column.objectName(),
      Column.of("Holder", "LeaseSpec.holderIdentity"),
      Column.age()), (lease, now) -> List.of(lease.getMetadata().getName(),
      lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null ? ""
          : lease.getSpec().getHolderIdentity(),
      HumanDuration.since(lease.getMetadata().getCreationTimestamp(), now)));

  static final Printer<PodDisruptionBudget> PDB = Printer.of(PodDisruptionBudget.class, List.of(
      Column.objectName(),
      Column.described("Min Available", "The minimum number of pods that must be available."),
      Column.described("Max Unavailable", "The maximum number of pods that may be unavailable."),
      Column.described("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.")
          .typed("integer"),
      Column.age()), (pdb, now) -> List.of(pdb.getMetadata().getName(),
      intOrString(pdb.getSpec() == null ? null : pdb.getSpec().getMinAvailable()),
      intOrString(pdb.getSpec() == null ? null : pdb.getSpec().getMaxUnavailable()),
      pdb.getStatus() == null || pdb.getStatus().getDisruptionsAllowed() == null ? 0L
          : (long) pdb.getStatus().getDisruptionsAllowed(),
      HumanDuration.since(pdb.getMetadata().getCreationTimestamp(), now)));

  /** A namespace that exists is Active unless it is being deleted; the server defaults the phase. */
  static final Printer<Namespace> NAMESPACE = Printer.of(Namespace.class, List.of(
      Column.objectName(),
      Column.of("Status", "NamespaceStatus.phase"),
      Column.age()), (ns, now) -> List.of(ns.getMetadata().getName(),
      ns.getStatus() != null && ns.getStatus().getPhase() != null ? ns.getStatus().getPhase() : "Active",
      HumanDuration.since(ns.getMetadata().getCreationTimestamp(), now)));

  /** The server's Table for kinds without a printer (apiserver's {@code defaultTableConvertor}). */
  static final Printer<JsonObject> DEFAULT = Printer.of(JsonObject.class, List.of(
      Column.objectName(),
      new Column("Created At", "date", "", Column.doc("ObjectMeta.creationTimestamp"), 0)),
      (object, now) -> {
        JsonObject meta = object.getJsonObject("metadata", new JsonObject());
        Object name = meta.getValue("name");
        Object created = meta.getValue("creationTimestamp");
        return List.of(name == null ? "" : name.toString(), created == null ? "0001-01-01T00:00:00Z"
            : DateTimeFormatter.ISO_INSTANT.format(Instant.parse(created.toString())));
      });

  static List<Object> service(Service svc, Instant now) {
    ServiceSpec spec = svc.getSpec() == null ? new ServiceSpec() : svc.getSpec();
    // The server prints the internal Service: clusterIPs filled from clusterIP, type and protocol defaulted.
    String clusterIp = !spec.getClusterIPs().isEmpty() ? spec.getClusterIPs().get(0)
        : spec.getClusterIP() != null && !spec.getClusterIP().isEmpty() ? spec.getClusterIP() : "<none>";
    String type = spec.getType() == null ? "ClusterIP" : spec.getType();
    List<String> ports = new ArrayList<>();
    for (ServicePort port : spec.getPorts()) {
      String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
      ports.add(port.getNodePort() != null && port.getNodePort() > 0
          ? port.getPort() + ":" + port.getNodePort() + "/" + protocol
          : port.getPort() + "/" + protocol);
    }
    return List.of(svc.getMetadata().getName(),
        type,
        clusterIp,
        externalIp(svc, type),
        ports.isEmpty() ? "<none>" : String.join(",", ports),
        HumanDuration.since(svc.getMetadata().getCreationTimestamp(), now),
        Selectors.formatLabels(spec.getSelector()));
  }

  private static String externalIp(Service svc, String type) {
    List<String> externalIps = svc.getSpec() == null ? List.of() : svc.getSpec().getExternalIPs();
    switch (type) {
      case "ClusterIP", "NodePort":
        return externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
      case "LoadBalancer": {
        TreeSet<String> ingress = new TreeSet<>();
        if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null) {
          for (LoadBalancerIngress i : svc.getStatus().getLoadBalancer().getIngress()) {
            if (i.getIp() != null && !i.getIp().isEmpty()) {
              ingress.add(i.getIp());
            } else if (i.getHostname() != null && !i.getHostname().isEmpty()) {
              ingress.add(i.getHostname());
            }
          }
        }
        List<String> all = new ArrayList<>(ingress); // wide: the server prints the unclipped list
        all.addAll(externalIps);
        return all.isEmpty() ? "<pending>" : String.join(",", all);
      }
      case "ExternalName":
        return svc.getSpec().getExternalName() == null ? "" : svc.getSpec().getExternalName();
      default:
        return "<unknown>";
    }
  }

  private static String intOrString(IntOrString value) {
    if (value == null) {
      return "N/A";
    }
    return value.getIntVal() != null ? String.valueOf(value.getIntVal()) : value.getStrVal();
  }
}
