package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Attachments;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Taints;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kube-controller-manager's attach-detach controller for CSI volumes (pkg/controller/volume/attachdetach/reconciler),
 * with the CSI external-attacher's part (its finalizer, ControllerPublish in {@code SimTiming.attachDelay},
 * ControllerUnpublish in {@code SimTiming.detachDelay}).
 * <ul>
 *   <li>Desired: every attachable volume of every pod bound to a node and not terminal (Succeeded/Failed). A
 *   terminating pod on a dead node stays desired: its containers still look running, so the volume stays until the
 *   pod object is gone.</li>
 *   <li>Detach first (as the reconciler): an attachment no pod wants is deleted at once when the node's kubelet has
 *   unmounted it (a live kubelet has; a stopped one never does), or when the node carries the out-of-service taint
 *   (NodeOutOfServiceVolumeDetach, GA in 1.28); on a node that is not Ready, after {@code maxWaitForUnmount} (6 min
 *   in Kubernetes) since the detach was first wanted, unless {@code disableForceDetachOnTimeout}
 *   (--disable-force-detach-on-timeout); on a Ready node whose kubelet is stopped, not at all.</li>
 *   <li>Detach takes time: the delete leaves the VolumeAttachment with a deletionTimestamp, held by the finalizer
 *   {@code external-attacher/<driver, each character not [a-zA-Z0-9-] made '-'>}; after {@code detachDelay} the
 *   attacher sets status.attached false and removes its finalizer, and the object is gone. Until then the volume
 *   counts as attached there: the csi attacher's Detach waits for the object to go, and while that operation runs
 *   no attach of the volume is started (IsOperationPending), without an event.</li>
 *   <li>Attach: a VolumeAttachment (spec.attacher, nodeName, source.persistentVolumeName) named as the CSI attacher
 *   names it; the external-attacher adds its finalizer first, then status.attached after {@code attachDelay}. A
 *   ReadWriteOnce volume still attached to another node (and no operation on it running) is not attached: each pod
 *   waiting for it gets one Warning FailedAttachVolume "Multi-Attach error for volume ...", and its kubelet does not
 *   start it.</li>
 * </ul>
 * Simplified: the node's status.volumesAttached/volumesInUse are not written; the PV gets no external-attacher
 * finalizer; a detach slower than the csi attacher's own timeout (2 min, then retried with backoff) is not modelled.
 */
public final class AttachDetach implements Controller {
  public static final String COMPONENT = "attachdetach-controller";

  /** When a detach was first wanted, by attachment name (the actual state of world's detachRequestedTime). */
  private final Map<String, Instant> detachRequested = new HashMap<>();
  /** When the attacher finishes attaching, by attachment name. */
  private final Map<String, Instant> attachedAt = new HashMap<>();
  /** When the attacher finishes detaching (ControllerUnpublish), by attachment name. */
  private final Map<String, Instant> detachedAt = new HashMap<>();
  /** "pv node" entries of the desired state whose Multi-Attach error was reported (once each, as the reconciler). */
  private final Set<String> multiAttachReported = new HashSet<>();

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    Map<String, PersistentVolume> pvs = new HashMap<>();
    client.persistentVolumes().list().getItems().forEach(pv -> pvs.put(pv.getMetadata().getName(), pv));
    if (pvs.values().stream().noneMatch(Attachments::attachable)) {
      return; // nothing attachable: no lists, no writes (most scenarios)
    }
    Map<String, PersistentVolumeClaim> claims = new HashMap<>();
    client.persistentVolumeClaims().inAnyNamespace().list().getItems()
        .forEach(c -> claims.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c));
    Map<String, Node> nodes = new HashMap<>();
    client.nodes().list().getItems().forEach(n -> nodes.put(n.getMetadata().getName(), n));
    Map<String, List<Pod>> desired = new LinkedHashMap<>();
    Map<String, PersistentVolume> desiredVolume = new HashMap<>();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      if (!Pods.isBound(pod) || Pods.isTerminal(pod) || !nodes.containsKey(Pods.nodeName(pod))) {
        continue;
      }
      for (PersistentVolume pv : Attachments.attachableVolumes(pod, claims, pvs)) {
        String key = key(pv.getMetadata().getName(), Pods.nodeName(pod));
        desired.computeIfAbsent(key, k -> new ArrayList<>()).add(pod);
        desiredVolume.put(key, pv);
      }
    }
    multiAttachReported.retainAll(desired.keySet());
    List<VolumeAttachment> attachments = new ArrayList<>(client.storage().v1().volumeAttachments().list().getItems());
    finishDetaches(context, attachments);
    detach(context, attachments, desired.keySet(), nodes);
    for (Map.Entry<String, List<Pod>> wanted : desired.entrySet()) {
      attach(context, attachments, desiredVolume.get(wanted.getKey()), wanted.getValue(), desired);
    }
    Set<String> names = new HashSet<>();
    attachments.forEach(va -> names.add(va.getMetadata().getName()));
    detachRequested.keySet().retainAll(names);
    attachedAt.keySet().retainAll(names);
    detachedAt.keySet().retainAll(names);
  }

  private void detach(ControllerContext context, List<VolumeAttachment> attachments, Set<String> desired,
                      Map<String, Node> nodes) {
    Instant now = context.now();
    for (VolumeAttachment va : List.copyOf(attachments)) {
      String name = va.getMetadata().getName();
      if (deleting(va)) {
        continue; // the detach operation runs: it waits for the attacher to let the object go
      }
      if (desired.contains(key(Attachments.volume(va), Attachments.node(va)))) {
        detachRequested.remove(name); // wanted again: the wait starts over (ResetDetachRequestTime)
        continue;
      }
      Instant requested = detachRequested.computeIfAbsent(name, n -> now);
      Node node = nodes.get(Attachments.node(va));
      // A live kubelet unmounts a volume its pods no longer use; a stopped one still reports it in use.
      boolean mounted = node != null && context.isStopped(node.getMetadata().getName());
      boolean healthy = node != null && ready(node);
      boolean outOfService = node != null && node.getSpec().getTaints() != null && node.getSpec().getTaints().stream()
          .anyMatch(t -> PodGc.OUT_OF_SERVICE.equals(t.getKey()));
      Instant forceAt = requested.plus(context.timing().maxWaitForUnmount());
      boolean forceOnTimeout = !context.timing().disableForceDetachOnTimeout();
      boolean forceDetach = !healthy && forceOnTimeout && !now.isBefore(forceAt);
      if (mounted && !forceDetach && !outOfService) {
        if (!healthy && forceOnTimeout) {
          context.wakeAt("force detach " + name, forceAt);
        }
        continue;
      }
      context.client().storage().v1().volumeAttachments().withName(name).delete();
      detachRequested.remove(name);
      // Held by the attacher's finalizer, it stays (and the volume attached there) until ControllerUnpublish is done.
      VolumeAttachment left = context.client().storage().v1().volumeAttachments().withName(name).get();
      attachments.remove(va);
      if (left != null) {
        attachments.add(left);
        finishDetach(context, left);
      }
    }
  }

  private void attach(ControllerContext context, List<VolumeAttachment> attachments, PersistentVolume pv,
                      List<Pod> pods, Map<String, List<Pod>> desired) {
    String volume = pv.getMetadata().getName();
    String node = Pods.nodeName(pods.get(0));
    VolumeAttachment existing = attachments.stream()
        .filter(va -> volume.equals(Attachments.volume(va)) && node.equals(Attachments.node(va))).findFirst().orElse(null);
    if (existing != null) {
      if (!deleting(existing)) {
        finishAttach(context, existing);
      }
      return; // a detach still running there: attached again once it is done
    }
    if (!Attachments.multiAttachAllowed(pv) && attachments.stream().anyMatch(va -> volume.equals(Attachments.volume(va))
        && (deleting(va) || !Attachments.isAttached(va)))) {
      return; // an operation on the volume runs (IsOperationPending, by volume alone when RWO): no attach, no event
    }
    List<String> elsewhere = attachments.stream().filter(va -> volume.equals(Attachments.volume(va)))
        .map(Attachments::node).filter(n -> !node.equals(n)).toList();
    if (!elsewhere.isEmpty() && !Attachments.multiAttachAllowed(pv)) {
      if (multiAttachReported.add(key(volume, node))) {
        reportMultiAttach(context, volume, pods, elsewhere, desired);
      }
      return;
    }
    String name = Attachments.name(pv, node);
    VolumeAttachment created = context.client().storage().v1().volumeAttachments().resource(new VolumeAttachmentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withAttacher(pv.getSpec().getCsi().getDriver()).withNodeName(node)
        .withNewSource().withPersistentVolumeName(volume).endSource().endSpec()
        .build()).create();
    attachments.add(created);
    finishAttach(context, created);
  }

  /**
   * The external-attacher: it puts its finalizer on the VolumeAttachment, then ControllerPublish takes
   * {@code attachDelay}, then status.attached is true.
   */
  private void finishAttach(ControllerContext context, VolumeAttachment va) {
    if (Attachments.isAttached(va)) {
      return;
    }
    String finalizer = finalizer(va);
    if (va.getMetadata().getFinalizers() == null || !va.getMetadata().getFinalizers().contains(finalizer)) {
      List<String> finalizers = new ArrayList<>(va.getMetadata().getFinalizers() == null ? List.of()
          : va.getMetadata().getFinalizers());
      finalizers.add(finalizer);
      va.getMetadata().setFinalizers(finalizers);
      va = context.client().storage().v1().volumeAttachments().resource(va).update();
    }
    Instant due = attachedAt.computeIfAbsent(va.getMetadata().getName(),
        n -> context.now().plus(context.timing().attachDelay()));
    if (context.now().isBefore(due)) {
      context.wakeAt("attach " + va.getMetadata().getName(), due);
      return;
    }
    va.setStatus(new VolumeAttachmentStatusBuilder().withAttached(true).build());
    context.client().storage().v1().volumeAttachments().resource(va).updateStatus();
  }

  private void finishDetaches(ControllerContext context, List<VolumeAttachment> attachments) {
    for (VolumeAttachment va : List.copyOf(attachments)) {
      if (deleting(va) && finishDetach(context, va)) {
        attachments.remove(va);
      }
    }
  }

  /**
   * The external-attacher on a VolumeAttachment being deleted: ControllerUnpublish takes {@code detachDelay} from
   * when it first saw it so; then status.attached false, then its finalizer removed, and the object goes. True when
   * it is gone.
   */
  private boolean finishDetach(ControllerContext context, VolumeAttachment va) {
    String name = va.getMetadata().getName();
    Instant due = detachedAt.computeIfAbsent(name, n -> context.now().plus(context.timing().detachDelay()));
    if (context.now().isBefore(due)) {
      context.wakeAt("detach " + name, due);
      return false;
    }
    var attachments = context.client().storage().v1().volumeAttachments();
    if (Attachments.isAttached(va)) {
      va.setStatus(new VolumeAttachmentStatusBuilder().withAttached(false).build());
      va = attachments.resource(va).updateStatus();
    }
    List<String> finalizers = new ArrayList<>(va.getMetadata().getFinalizers() == null ? List.of()
        : va.getMetadata().getFinalizers());
    finalizers.remove(finalizer(va));
    va.getMetadata().setFinalizers(finalizers);
    attachments.resource(va).update(); // the last finalizer of an object being deleted: the server removes it
    detachedAt.remove(name);
    return finalizers.isEmpty();
  }

  /** external-attacher/ + the driver name, each character not [a-zA-Z0-9-] made '-' (GetFinalizerName). */
  static String finalizer(VolumeAttachment va) {
    String name = va.getSpec().getAttacher().replaceAll("[^a-zA-Z0-9-]", "-");
    return "external-attacher/" + (name.endsWith("-") ? name + "X" : name);
  }

  private static boolean deleting(VolumeAttachment va) {
    return va.getMetadata().getDeletionTimestamp() != null;
  }

  /**
   * reportMultiAttachError: "Volume is already used by pod(s) …" when pods on the other nodes still want the
   * volume (names only of pods in the waiting pod's namespace), else "… exclusively attached to one node …".
   */
  private static void reportMultiAttach(ControllerContext context, String volume, List<Pod> waiting,
                                        List<String> otherNodes, Map<String, List<Pod>> desired) {
    List<Pod> users = new ArrayList<>();
    otherNodes.forEach(n -> users.addAll(desired.getOrDefault(key(volume, n), List.of())));
    for (Pod pod : waiting) {
      String why;
      if (users.isEmpty()) {
        why = "Volume is already exclusively attached to one node and can't be attached to another";
      } else {
        List<String> local = users.stream().filter(u -> u.getMetadata().getNamespace().equals(pod.getMetadata()
            .getNamespace())).map(u -> u.getMetadata().getName()).toList();
        long others = users.size() - local.size();
        why = local.isEmpty() ? "Volume is already used by " + others + " pod(s) in different namespaces"
            : "Volume is already used by pod(s) " + String.join(", ", local)
            + (others > 0 ? " and " + others + " pod(s) in different namespaces" : "");
      }
      context.events().warning(pod, "FailedAttachVolume", "Multi-Attach error for volume \"" + volume + "\" " + why,
          COMPONENT);
    }
  }

  private static String key(String volume, String node) {
    return volume + " " + node;
  }

  private static boolean ready(Node node) {
    return node.getStatus() != null && node.getStatus().getConditions() != null && node.getStatus().getConditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
