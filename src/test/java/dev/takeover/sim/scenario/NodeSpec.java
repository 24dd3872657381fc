package dev.takeover.sim.scenario;

import dev.takeover.sim.model.Taints;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node as its kubelet registers it; by default like the recorded kube-node01 (rest/get-node.txt): 8 cpu,
 * 32Gi memory, 250 pods, linux/amd64 labels, Ready.
 */
public final class NodeSpec {
  private final String name;
  private final Map<String, String> labels = new LinkedHashMap<>();
  private final List<Taint> taints = new ArrayList<>();
  private final Map<String, String> capacity = new LinkedHashMap<>();
  private boolean unschedulable;

  NodeSpec(String name) {
    this.name = name;
    labels.put("beta.kubernetes.io/arch", "amd64");
    labels.put("beta.kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", "amd64");
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    capacity.put("cpu", "8");
    capacity.put("ephemeral-storage", "100Gi");
    capacity.put("memory", "32Gi");
    capacity.put("pods", "250");
  }

  /** kubeadm's control plane: role label, exclusion from load balancers, taint control-plane:NoSchedule. */
  public NodeSpec controlPlane() {
    labels.put(Taints.CONTROL_PLANE, "");
    labels.put("node.kubernetes.io/exclude-from-external-load-balancers", "");
    return taint(Taints.CONTROL_PLANE, null, "NoSchedule");
  }

  public NodeSpec label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  public NodeSpec taint(String key, String value, String effect) {
    taints.add(new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build());
    return this;
  }

  /** A capacity (and allocatable) entry: "cpu", "memory", "pods", ... */
  public NodeSpec capacity(String resource, String amount) {
    capacity.put(resource, amount);
    return this;
  }

  public NodeSpec maxPods(int pods) {
    return capacity("pods", String.valueOf(pods));
  }

  /** Already cordoned when the scenario starts. */
  public NodeSpec cordoned() {
    unschedulable = true;
    return this;
  }

  String name() {
    return name;
  }

  Node build(int index) {
    Map<String, Quantity> resources = new LinkedHashMap<>();
    capacity.forEach((k, v) -> resources.put(k, new Quantity(v)));
    String now = Times.now();
    return new NodeBuilder()
        .withNewMetadata().withName(name).withLabels(labels)
        .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
        .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true").endMetadata()
        .withNewSpec().withPodCIDR("10.244." + index + ".0/24").withPodCIDRs("10.244." + index + ".0/24")
        .withTaints(taints.isEmpty() ? null : taints).withUnschedulable(unschedulable ? Boolean.TRUE : null).endSpec()
        .withNewStatus().withCapacity(resources).withAllocatable(new LinkedHashMap<>(resources))
        .withConditions(condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now))
        .addNewAddress().withType("InternalIP").withAddress("172.18.0." + (index + 2)).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
        .withNewNodeInfo().withMachineID(Integer.toHexString(name.hashCode())).withSystemUUID(java.util.UUID
            .nameUUIDFromBytes(name.getBytes()).toString()).withBootID(java.util.UUID.randomUUID().toString())
        .withKernelVersion("6.8.0-takeover-sim").withOsImage("Simulated (Debian GNU/Linux 12)")
        .withContainerRuntimeVersion("fake://1.0.0").withKubeletVersion("v1.32.13").withKubeProxyVersion("v1.32.13")
        .withOperatingSystem("linux").withArchitecture("amd64").endNodeInfo()
        .endStatus().build();
  }

  private static NodeCondition condition(String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }
}
