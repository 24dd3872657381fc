package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Attachments;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The kubelets of all live nodes. A pod bound to a live node, whose claims are Bound, becomes Running with
 * Ready/ContainersReady/Initialized True after {@code podStartDelay} (Ready stays False for
 * {@value Pods#NEVER_READY_ANNOTATION}: "true"), counted from when its CSI volumes are attached to the node (a
 * VolumeAttachment with status.attached, see {@link AttachDetach}): until then it stays Pending. A terminating pod is finished after min(its grace period,
 * {@code terminationDelay}) by deleting it again with grace 0, as the kubelet's status manager does. The kubelet of
 * a stopped node does nothing at all.
 */
public final class Kubelet implements Controller {
  private final Map<String, Instant> startAt = new HashMap<>();
  private final Map<String, Instant> finishAt = new HashMap<>();
  private final Map<String, Integer> lastIp = new HashMap<>();

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    Map<String, Node> nodes = new HashMap<>();
    client.nodes().list().getItems().forEach(n -> nodes.put(n.getMetadata().getName(), n));
    Set<String> boundClaims = new HashSet<>();
    Map<String, PersistentVolumeClaim> claims = new HashMap<>();
    for (PersistentVolumeClaim c : client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
      claims.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c);
      if (c.getStatus() != null && "Bound".equals(c.getStatus().getPhase())) {
        boundClaims.add(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName());
      }
    }
    VolumesSeen volumes = new VolumesSeen(client, claims);
    Set<String> seen = new HashSet<>();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      Node node = nodes.get(Pods.nodeName(pod));
      if (node == null || context.isStopped(node.getMetadata().getName())) {
        continue;
      }
      String uid = pod.getMetadata().getUid();
      seen.add(uid);
      if (Pods.isTerminating(pod)) {
        long grace = pod.getMetadata().getDeletionGracePeriodSeconds() == null ? 0
            : pod.getMetadata().getDeletionGracePeriodSeconds();
        Duration delay = min(Duration.ofSeconds(grace), context.timing().terminationDelay());
        if (due(context, finishAt, uid, delay)) {
          client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
              .withGracePeriod(0).delete();
        }
      } else if (Pods.phase(pod).equals("Pending") && claimsBound(pod, boundClaims) && volumes.attached(pod)
          && due(context, startAt, uid, context.timing().podStartDelay())) {
        start(client, pod, node);
      }
    }
    startAt.keySet().retainAll(seen);
    finishAt.keySet().retainAll(seen);
  }

  /** True once the deadline for {@code uid} has passed; the first call sets the deadline and a timer for it. */
  private static boolean due(ControllerContext context, Map<String, Instant> deadlines, String uid, Duration delay) {
    Instant deadline = deadlines.get(uid);
    if (deadline == null) {
      deadline = context.now().plus(delay);
      deadlines.put(uid, deadline);
      if (!delay.isZero()) {
        context.wakeAfter(delay);
        return false;
      }
    }
    return !context.now().isBefore(deadline);
  }

  /** The volumes and their attachments, read at most once a pass and only when a pod with claims is to start. */
  private static final class VolumesSeen {
    private final KubernetesClient client;
    private final Map<String, PersistentVolumeClaim> claims;
    private Map<String, PersistentVolume> pvs;
    private List<VolumeAttachment> attachments;

    VolumesSeen(KubernetesClient client, Map<String, PersistentVolumeClaim> claims) {
      this.client = client;
      this.claims = claims;
    }

    boolean attached(Pod pod) {
      if (Pods.claimNames(pod).isEmpty()) {
        return true;
      }
      if (pvs == null) {
        pvs = new HashMap<>();
        client.persistentVolumes().list().getItems().forEach(pv -> pvs.put(pv.getMetadata().getName(), pv));
      }
      if (Attachments.attachableVolumes(pod, claims, pvs).isEmpty()) {
        return true;
      }
      if (attachments == null) {
        attachments = client.storage().v1().volumeAttachments().list().getItems();
      }
      return Attachments.allAttached(pod, claims, pvs, attachments);
    }
  }

  private static boolean claimsBound(Pod pod, Set<String> boundClaims) {
    return Pods.claimNames(pod).stream().allMatch(c -> boundClaims.contains(pod.getMetadata().getNamespace() + "/" + c));
  }

  private void start(KubernetesClient client, Pod pod, Node node) {
    boolean ready = !Pods.isNeverReady(pod);
    String now = Times.now();
    String hostIp = internalIp(node);
    String podIp = Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) ? hostIp : nextPodIp(node);
    var status = pod.getStatus();
    status.setPhase("Running");
    status.setHostIP(hostIp);
    status.setHostIPs(List.of(new HostIP(hostIp)));
    status.setPodIP(podIp);
    status.setPodIPs(List.of(new PodIP(podIp)));
    status.setStartTime(now);
    String notReady = ready ? null : "ContainersNotReady";
    String why = ready ? null : "containers with unready status: ["
        + String.join(" ", pod.getSpec().getContainers().stream().map(Container::getName).toList()) + "]";
    Pods.setCondition(pod, "PodReadyToStartContainers", "True", null, null);
    Pods.setCondition(pod, "Initialized", "True", null, null);
    Pods.setCondition(pod, "ContainersReady", ready ? "True" : "False", notReady, why);
    Pods.setCondition(pod, "Ready", ready ? "True" : "False", notReady, why);
    List<ContainerStatus> containers = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      containers.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
          .withImageID(c.getImage() + "@sha256:" + "0".repeat(64))
          .withContainerID("fake://" + UUID.randomUUID().toString().replace("-", ""))
          .withNewState().withNewRunning().withStartedAt(now).endRunning().endState()
          .withNewLastState().endLastState()
          .withReady(ready).withStarted(true).withRestartCount(0).build());
    }
    status.setContainerStatuses(containers);
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
  }

  private static String internalIp(Node node) {
    if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
      for (NodeAddress address : node.getStatus().getAddresses()) {
        if ("InternalIP".equals(address.getType())) {
          return address.getAddress();
        }
      }
    }
    return "10.0.0.1";
  }

  /** 10.244.N.M from the node's podCIDR 10.244.N.0/24, M counting up per node. */
  private String nextPodIp(Node node) {
    String cidr = node.getSpec().getPodCIDR() == null ? "10.244.0.0/24" : node.getSpec().getPodCIDR();
    String prefix = cidr.substring(0, cidr.lastIndexOf('.') + 1);
    int last = lastIp.merge(node.getMetadata().getName(), 1, (a, b) -> a >= 254 ? 2 : a + 1);
    return prefix + Math.max(2, last);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
