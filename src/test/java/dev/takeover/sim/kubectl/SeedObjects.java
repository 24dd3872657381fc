package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;

import java.time.Instant;
import java.util.Map;

/** The seed's cluster in miniature (kube-master, two workers, mysql-0 with its claim on pv1), as fabric8 objects. */
final class SeedObjects {
  private SeedObjects() {
  }

  static Node node(String name, String internalIp, boolean controlPlane) {
    NodeBuilder node = new NodeBuilder()
        .withNewMetadata().withName(name)
        .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
        .endMetadata()
        .withNewSpec().withPodCIDR("10.244.0.0/24").endSpec()
        .withNewStatus()
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("kubelet is posting ready status").withLastHeartbeatTime(now()).withLastTransitionTime(now())
        .endCondition()
        .addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewNodeInfo().withKubeletVersion("v1.32.13").withKubeProxyVersion("v1.32.13")
        .withOsImage("Fakelet (Debian GNU/Linux 12)").withKernelVersion("6.18.44-fc-v669")
        .withContainerRuntimeVersion("fake://1.0.0").withOperatingSystem("linux").withArchitecture("amd64")
        .withMachineID("m-" + name).withSystemUUID("u-" + name).withBootID("b-" + name)
        .endNodeInfo()
        .addToCapacity(Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("250")))
        .addToAllocatable(Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("250")))
        .endStatus();
    if (controlPlane) {
      node.editMetadata().addToLabels("node-role.kubernetes.io/control-plane", "").endMetadata();
    }
    return node.build();
  }

  /** A pod the kubelet runs: bound to {@code nodeName}, Running, its one container ready. */
  static Pod runningPod(String namespace, String name, String nodeName, String podIp) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).addToLabels("app", "mysql").endMetadata()
        .withNewSpec().withNodeName(nodeName)
        .addNewContainer().withName("mysql").withImage("mysql:5.7").endContainer()
        .endSpec()
        .withNewStatus().withPhase("Running").withPodIP(podIp).addNewPodIP().withIp(podIp).endPodIP()
        .withHostIP("127.0.1.2").withStartTime(now())
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .addNewContainerStatus().withName("mysql").withImage("mysql:5.7").withReady(true).withStarted(true)
        .withRestartCount(0).withNewState().withNewRunning().withStartedAt(now()).endRunning().endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  static PersistentVolume pv(String name, String claimNamespace, String claimName) {
    return new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
        .withPersistentVolumeReclaimPolicy("Retain").withStorageClassName("standard").withVolumeMode("Filesystem")
        .withNewHostPath().withPath("/mnt/" + name).endHostPath()
        .withNewClaimRef().withKind("PersistentVolumeClaim").withNamespace(claimNamespace).withName(claimName)
        .endClaimRef()
        .endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build();
  }

  static PersistentVolumeClaim boundPvc(String namespace, String name, String volume) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).addToLabels("app", "mysql").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName("standard").withVolumeName(volume)
        .withVolumeMode("Filesystem")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
        .endSpec()
        .withNewStatus().withPhase("Bound").withAccessModes("ReadWriteOnce")
        .addToCapacity("storage", new Quantity("1Gi")).endStatus()
        .build();
  }

  /** An event about a node, as an engine records it (core/v1, in the default namespace, like kubectl drain's). */
  static Event nodeEvent(Node node, String name, String reason, String message) {
    return new EventBuilder()
        .withNewMetadata().withNamespace("default").withName(name).endMetadata()
        .withNewInvolvedObject().withKind("Node").withName(node.getMetadata().getName())
        .withUid(node.getMetadata().getUid()).endInvolvedObject()
        .withType("Normal").withReason(reason).withMessage(message)
        .withNewSource().withComponent("takeover").endSource()
        .withFirstTimestamp(now()).withLastTimestamp(now()).withCount(1)
        .build();
  }

  static Lease nodeLease(String nodeName) {
    return new LeaseBuilder()
        .withNewMetadata().withNamespace("kube-node-lease").withName(nodeName).endMetadata()
        .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(40)
        .withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec()
        .build();
  }

  static String now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
