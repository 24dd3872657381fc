package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kubernetes objects as the API server returns them, built with fabric8's builders: only the fields
 * the plan reads. Every helper returns a new object, so a test can derive one case from another.
 */
final class Fixtures {
  static final String HOSTNAME = "kubernetes.io/hostname";
  static final String ZONE = "topology.kubernetes.io/zone";

  private Fixtures() {}

  // --- nodes

  /** A Ready, schedulable worker, labelled with its hostname like every kubelet does. */
  static Node node(String name) {
    return new NodeBuilder()
        .withNewMetadata().withName(name).addToLabels(HOSTNAME, name).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
        .build();
  }

  /** A kubeadm control plane: labelled and tainted NoSchedule, like kube-master. */
  static Node controlPlane(String name) {
    return tainted(labeled(node(name), NodeConditions.CONTROL_PLANE_LABEL, ""),
        NodeConditions.CONTROL_PLANE_LABEL, null, "NoSchedule");
  }

  static Node cordoned(Node node) {
    return new NodeBuilder(node).editSpec().withUnschedulable(true).endSpec().build();
  }

  static Node notReady(Node node) {
    return new NodeBuilder(node)
        .editStatus().withConditions().addNewCondition().withType("Ready").withStatus("Unknown").endCondition()
        .endStatus()
        .build();
  }

  static Node labeled(Node node, String key, String value) {
    return new NodeBuilder(node).editMetadata().addToLabels(key, value).endMetadata().build();
  }

  static Node tainted(Node node, String key, String value, String effect) {
    return new NodeBuilder(node)
        .editSpec().addNewTaint().withKey(key).withValue(value).withEffect(effect).endTaint().endSpec()
        .build();
  }

  // --- pods

  /** A Running, Ready pod bound to the node, with the tolerations every pod gets at admission. */
  static Pod pod(String namespace, String name, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace).withName(name).withUid(name + "-uid").addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .withTolerations(toleration("node.kubernetes.io/not-ready", null, "Exists", "NoExecute"),
            toleration("node.kubernetes.io/unreachable", null, "Exists", "NoExecute"))
        .addNewContainer().withName("main").withImage("busybox").endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .endStatus()
        .build();
  }

  static Pod ownedBy(Pod pod, String kind, String name) {
    return new PodBuilder(pod)
        .editMetadata()
        .addNewOwnerReference()
        .withApiVersion(kind.equals("Node") ? "v1" : "apps/v1").withKind(kind).withName(name)
        .withUid(name + "-uid").withController(true).withBlockOwnerDeletion(true)
        .endOwnerReference()
        .endMetadata()
        .build();
  }

  /** A pod of StatefulSet {@code sts} mounting each claim, labelled app={@code sts}. */
  static Pod statefulSetPod(String namespace, String name, String sts, String node, String... claims) {
    Pod pod = withLabel(ownedBy(pod(namespace, name, node), "StatefulSet", sts), "app", sts);
    for (String claim : claims) {
      pod = withClaim(pod, claim);
    }
    return pod;
  }

  static Pod replicaSetPod(String namespace, String name, String node) {
    return ownedBy(pod(namespace, name, node), "ReplicaSet", name.replaceAll("-[^-]+$", ""));
  }

  static Pod daemonSetPod(String namespace, String name, String daemonSet, String node) {
    return ownedBy(pod(namespace, name, node), "DaemonSet", daemonSet);
  }

  static Pod withLabel(Pod pod, String key, String value) {
    return new PodBuilder(pod).editMetadata().addToLabels(key, value).endMetadata().build();
  }

  static Pod withClaim(Pod pod, String claim) {
    return new PodBuilder(pod)
        .editSpec()
        .addToVolumes(new VolumeBuilder().withName(claim).withNewPersistentVolumeClaim().withClaimName(claim)
            .endPersistentVolumeClaim().build())
        .endSpec()
        .build();
  }

  static Pod withEmptyDir(Pod pod) {
    return new PodBuilder(pod)
        .editSpec()
        .addToVolumes(new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build())
        .endSpec()
        .build();
  }

  static Pod withPhase(Pod pod, String phase) {
    return new PodBuilder(pod).editStatus().withPhase(phase).endStatus().build();
  }

  static Pod notReady(Pod pod) {
    return new PodBuilder(pod)
        .editStatus().withConditions().addNewCondition().withType("Ready").withStatus("False").endCondition()
        .endStatus()
        .build();
  }

  static Pod terminating(Pod pod) {
    return new PodBuilder(pod)
        .editMetadata().withDeletionTimestamp("2026-11-25T08:41:00Z").withDeletionGracePeriodSeconds(30L)
        .endMetadata()
        .build();
  }

  static Pod mirror(Pod pod) {
    return new PodBuilder(pod)
        .editMetadata().addToAnnotations("kubernetes.io/config.mirror", "0123abcd").endMetadata()
        .build();
  }

  static Pod withNodeSelector(Pod pod, String key, String value) {
    return new PodBuilder(pod).editSpec().addToNodeSelector(key, value).endSpec().build();
  }

  static Pod tolerating(Pod pod, Toleration toleration) {
    return new PodBuilder(pod).editSpec().addToTolerations(toleration).endSpec().build();
  }

  static Pod withGracePeriod(Pod pod, long seconds) {
    return new PodBuilder(pod).editSpec().withTerminationGracePeriodSeconds(seconds).endSpec().build();
  }

  static Toleration toleration(String key, String value, String operator, String effect) {
    return new TolerationBuilder().withKey(key).withValue(value).withOperator(operator).withEffect(effect).build();
  }

  // --- storage

  static PersistentVolumeClaim boundClaim(String namespace, String name, String volume) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
        .withNewSpec().withVolumeName(volume).withAccessModes("ReadWriteOnce").endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build();
  }

  static PersistentVolumeClaim pendingClaim(String namespace, String name) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").endSpec()
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
  }

  /** A network volume (CSI), reachable from every node. */
  static PersistentVolume networkVolume(String name) {
    return new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNewCsi().withDriver("csi.example.com").withVolumeHandle(name).endCsi().endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build();
  }

  /** The seed's pv1: a hostPath volume with no node affinity. */
  static PersistentVolume hostPathVolume(String name, String path) {
    return new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNewHostPath().withPath(path).withType("").endHostPath().endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build();
  }

  /** A local volume: on one node's disk, so its affinity names that node only. */
  static PersistentVolume localVolume(String name, String node) {
    return withAffinity(new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNewLocal().withPath("/mnt/disks/" + name).endLocal().endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build(), HOSTNAME, node);
  }

  /** A zonal disk, reachable from the nodes of one zone. */
  static PersistentVolume zonalVolume(String name, String zone) {
    return withAffinity(networkVolume(name), ZONE, zone);
  }

  private static PersistentVolume withAffinity(PersistentVolume volume, String key, String value) {
    return new PersistentVolumeBuilder(volume)
        .editSpec()
        .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm()
        .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey(key).withOperator("In").withValues(value).build())
        .endNodeSelectorTerm().endRequired().endNodeAffinity()
        .endSpec()
        .build();
  }

  // --- budgets

  /** A budget over the pods labelled app={@code app}, with the status the disruption controller computed. */
  static PodDisruptionBudget pdb(String namespace, String name, String app, int allowed, int desired, int expected) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withGeneration(1L).endMetadata()
        .withNewSpec().withNewMinAvailable(desired).withNewSelector().addToMatchLabels("app", app).endSelector().endSpec()
        .withNewStatus()
        .withObservedGeneration(1L).withDisruptionsAllowed(allowed)
        .withCurrentHealthy(desired + allowed).withDesiredHealthy(desired).withExpectedPods(expected)
        .endStatus()
        .build();
  }

  static Map<String, String> labels(String... keysAndValues) {
    var map = new LinkedHashMap<String, String>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
