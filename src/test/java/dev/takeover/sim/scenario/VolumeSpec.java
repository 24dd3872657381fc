package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PersistentVolume an administrator created: hostPath by default, a local volume pinned to a node, or a CSI
 * volume (attachable: the attach-detach controller attaches it to the node of the pod that uses it).
 */
public final class VolumeSpec {
  private final String name;
  private final String size;
  private final String storageClass;
  private final Map<String, String> labels = new LinkedHashMap<>();
  private List<String> accessModes = List.of("ReadWriteOnce");
  private String reclaimPolicy = "Delete";
  private String pinnedTo;
  private String claimNamespace;
  private String claimName;
  private String csiDriver;
  private String csiHandle;

  VolumeSpec(String name, String size, String storageClass) {
    this.name = name;
    this.size = size;
    this.storageClass = storageClass;
  }

  /**
   * Node affinity kubernetes.io/hostname In [node]: its pods can run only there. A local volume (spec.local), or
   * with {@link #csi} a CSI volume reachable from that node only.
   */
  public VolumeSpec pinnedTo(String node) {
    this.pinnedTo = node;
    return this;
  }

  /**
   * A CSI volume (spec.csi) of {@code driver} (e.g. ebs.csi.aws.com) with the storage system's {@code handle}
   * (e.g. vol-0a1b2c): attached to one node at a time while its access modes are ReadWriteOnce.
   */
  public VolumeSpec csi(String driver, String handle) {
    this.csiDriver = driver;
    this.csiHandle = handle;
    return this;
  }

  /** Pre-bound: spec.claimRef names the claim, so the binder gives it to that claim only. */
  public VolumeSpec claimRef(String namespace, String claim) {
    this.claimNamespace = namespace;
    this.claimName = claim;
    return this;
  }

  public VolumeSpec reclaimPolicy(String policy) {
    this.reclaimPolicy = policy;
    return this;
  }

  public VolumeSpec accessModes(String... modes) {
    this.accessModes = List.of(modes);
    return this;
  }

  public VolumeSpec label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  PersistentVolume build() {
    var spec = new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).withLabels(labels.isEmpty() ? null : labels).endMetadata()
        .withNewSpec().withCapacity(Map.of("storage", new Quantity(size))).withAccessModes(accessModes)
        .withStorageClassName(storageClass).withPersistentVolumeReclaimPolicy(reclaimPolicy).withVolumeMode("Filesystem");
    if (csiDriver != null) {
      spec.withNewCsi().withDriver(csiDriver).withVolumeHandle(csiHandle).withFsType("ext4").endCsi();
    } else if (pinnedTo == null) {
      spec.withNewHostPath().withPath("/mnt/" + name).withType("").endHostPath();
    }
    if (pinnedTo != null) {
      if (csiDriver == null) {
        spec.withNewLocal().withPath("/mnt/disks/" + name).endLocal();
      }
      spec.withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
          .withKey("kubernetes.io/hostname").withOperator("In").withValues(pinnedTo).endMatchExpression()
          .endNodeSelectorTerm().endRequired().endNodeAffinity();
    }
    if (claimName != null) {
      spec.withNewClaimRef().withKind("PersistentVolumeClaim").withApiVersion("v1").withNamespace(claimNamespace)
          .withName(claimName).endClaimRef();
    }
    return spec.endSpec().build();
  }
}
