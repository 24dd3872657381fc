package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Nodes as the API server prints them ({@code printNode}): STATUS is Ready, NotReady or Unknown, followed by
 * {@code SchedulingDisabled} when the node is cordoned; ROLES come from {@code node-role.kubernetes.io/*} labels.
 */
final class NodePrinter {
  private NodePrinter() {
  }

  static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.described("Status", "The status of the node"),
      Column.described("Roles", "The roles of the node"),
      Column.age(),
      Column.of("Version", "NodeSystemInfo.kubeletVersion"),
      Column.of("Internal-IP", "NodeStatus.addresses").wide(),
      Column.of("External-IP", "NodeStatus.addresses").wide(),
      Column.of("OS-Image", "NodeSystemInfo.osImage").wide(),
      Column.of("Kernel-Version", "NodeSystemInfo.kernelVersion").wide(),
      Column.of("Container-Runtime", "NodeSystemInfo.containerRuntimeVersion").wide());

  static final Printer<Node> PRINTER = Printer.of(Node.class, COLUMNS, NodePrinter::cells);

  private static final String ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
  private static final String ROLE_LABEL = "kubernetes.io/role";

  static List<Object> cells(Node node, Instant now) {
    NodeStatus status = node.getStatus() == null ? new NodeStatus() : node.getStatus();
    NodeSystemInfo info = status.getNodeInfo() == null ? new NodeSystemInfo() : status.getNodeInfo();
    String roles = String.join(",", roles(node));
    return List.of(node.getMetadata().getName(),
        status(node, status),
        roles.isEmpty() ? "<none>" : roles,
        HumanDuration.since(node.getMetadata().getCreationTimestamp(), now),
        info.getKubeletVersion() == null ? "" : info.getKubeletVersion(),
        address(status, "InternalIP"),
        address(status, "ExternalIP"),
        orUnknown(info.getOsImage()),
        orUnknown(info.getKernelVersion()),
        orUnknown(info.getContainerRuntimeVersion()));
  }

  private static String status(Node node, NodeStatus status) {
    List<String> parts = new ArrayList<>();
    NodeCondition ready = null;
    for (NodeCondition condition : status.getConditions()) {
      if ("Ready".equals(condition.getType())) {
        ready = condition; // the last one wins, as in the server's condition map
      }
    }
    if (ready != null) {
      parts.add("True".equals(ready.getStatus()) ? "Ready" : "NotReady");
    } else {
      parts.add("Unknown");
    }
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      parts.add("SchedulingDisabled");
    }
    return String.join(",", parts);
  }

  static TreeSet<String> roles(Node node) {
    TreeSet<String> roles = new TreeSet<>();
    Map<String, String> labels = node.getMetadata().getLabels();
    if (labels == null) {
      return roles;
    }
    labels.forEach((key, value) -> {
      if (key.startsWith(ROLE_LABEL_PREFIX) && key.length() > ROLE_LABEL_PREFIX.length()) {
        roles.add(key.substring(ROLE_LABEL_PREFIX.length()));
      } else if (ROLE_LABEL.equals(key) && value != null && !value.isEmpty()) {
        roles.add(value);
      }
    });
    return roles;
  }

  private static String address(NodeStatus status, String type) {
    for (NodeAddress address : status.getAddresses()) {
      if (type.equals(address.getType())) {
        return address.getAddress();
      }
    }
    return "<none>";
  }

  private static String orUnknown(String s) {
    return s == null || s.isEmpty() ? "<unknown>" : s;
  }
}
