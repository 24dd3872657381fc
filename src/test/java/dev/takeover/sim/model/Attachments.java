package dev.takeover.sim.model;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Volume attachment as Kubernetes decides it: which volumes are attachable (CSI; hostPath, local and NFS are not),
 * which may be attached to several nodes (ReadWriteMany/ReadOnlyMany: pkg/volume/util IsMultiAttachAllowed), and the
 * name the CSI attacher gives a VolumeAttachment (pkg/volume/csi/csi_attacher.go getAttachmentName).
 */
public final class Attachments {
  private Attachments() {}

  /** A CSI volume: the attach-detach controller attaches it (CSIDriver attachRequired, the default, is assumed). */
  public static boolean attachable(PersistentVolume pv) {
    return pv != null && pv.getSpec() != null && pv.getSpec().getCsi() != null;
  }

  /** False for ReadWriteOnce (and ReadWriteOncePod): then one node at a time. */
  public static boolean multiAttachAllowed(PersistentVolume pv) {
    List<String> modes = pv.getSpec().getAccessModes();
    return modes != null && (modes.contains("ReadWriteMany") || modes.contains("ReadOnlyMany"));
  }

  /** csi-&lt;sha256(volumeHandle + driver + node)&gt;, as the CSI attacher names the object. */
  public static String name(PersistentVolume pv, String node) {
    String key = pv.getSpec().getCsi().getVolumeHandle() + pv.getSpec().getCsi().getDriver() + node;
    try {
      byte[] sum = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "csi-" + HexFormat.of().formatHex(sum);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  public static String volume(VolumeAttachment va) {
    return va.getSpec() == null || va.getSpec().getSource() == null ? null
        : va.getSpec().getSource().getPersistentVolumeName();
  }

  public static String node(VolumeAttachment va) {
    return va.getSpec() == null ? null : va.getSpec().getNodeName();
  }

  public static boolean isAttached(VolumeAttachment va) {
    return va.getStatus() != null && Boolean.TRUE.equals(va.getStatus().getAttached());
  }

  /**
   * The attachable volumes {@code pod} uses, by PV name: its claims, Bound, to CSI volumes.
   *
   * @param claims by "namespace/name"
   * @param pvs    by name
   */
  public static List<PersistentVolume> attachableVolumes(Pod pod, Map<String, PersistentVolumeClaim> claims,
                                                         Map<String, PersistentVolume> pvs) {
    List<PersistentVolume> volumes = new ArrayList<>();
    for (String claim : Pods.claimNames(pod)) {
      PersistentVolumeClaim pvc = claims.get(pod.getMetadata().getNamespace() + "/" + claim);
      String bound = pvc == null || pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
      PersistentVolume pv = bound == null ? null : pvs.get(bound);
      if (attachable(pv)) {
        volumes.add(pv);
      }
    }
    return volumes;
  }

  /** The kubelet's WaitForAttach: every attachable volume of the pod has its attachment to the pod's node, attached. */
  public static boolean allAttached(Pod pod, Map<String, PersistentVolumeClaim> claims,
                                    Map<String, PersistentVolume> pvs, List<VolumeAttachment> attachments) {
    String node = Pods.nodeName(pod);
    return attachableVolumes(pod, claims, pvs).stream().allMatch(pv -> attachments.stream().anyMatch(va ->
        pv.getMetadata().getName().equals(volume(va)) && node.equals(node(va)) && isAttached(va)
            && va.getMetadata().getDeletionTimestamp() == null));
  }
}
