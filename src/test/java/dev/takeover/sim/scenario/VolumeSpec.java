package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A PersistentVolume an administrator created: hostPath by default, or a local volume pinned to a node. */
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

  VolumeSpec(String name, String size, String storageClass) {
    this.name = name;
    this.size = size;
    this.storageClass = storageClass;
  }

  /** A local volume (spec.local) with node affinity kubernetes.io/hostname In [node]: its pods can run only there. */
  public VolumeSpec pinnedTo(String node) {
    this.pinnedTo = node;
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
    if (pinnedTo == null) {
      spec.withNewHostPath().withPath("/mnt/" + name).withType("").endHostPath();
    } else {
      spec.withNewLocal().withPath("/mnt/disks/" + name).endLocal()
          .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
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
