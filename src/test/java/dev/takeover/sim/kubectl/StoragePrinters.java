package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** PersistentVolumes and PersistentVolumeClaims as the API server prints them. */
final class StoragePrinters {
  private StoragePrinters() {
  }

  static final List<Column> PV_COLUMNS = List.of(
      Column.objectName(),
      Column.of("Capacity", "PersistentVolumeSpec.capacity"),
      Column.of("Access Modes", "PersistentVolumeSpec.accessModes"),
      Column.of("Reclaim Policy", "PersistentVolumeSpec.persistentVolumeReclaimPolicy"),
      Column.of("Status", "PersistentVolumeStatus.phase"),
      Column.of("Claim", "PersistentVolumeSpec.claimRef"),
      Column.described("StorageClass", "StorageClass of the pv"),
      Column.described("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
      Column.of("Reason", "PersistentVolumeStatus.reason"),
      Column.age(),
      Column.of("VolumeMode", "PersistentVolumeSpec.volumeMode").wide());

  static final List<Column> PVC_COLUMNS = List.of(
      Column.objectName(),
      Column.of("Status", "PersistentVolumeClaimStatus.phase"),
      Column.of("Volume", "PersistentVolumeClaimSpec.volumeName"),
      Column.of("Capacity", "PersistentVolumeClaimStatus.capacity"),
      Column.of("Access Modes", "PersistentVolumeClaimStatus.accessModes"),
      Column.described("StorageClass", "StorageClass of the pvc"),
      Column.described("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
      Column.age(),
      Column.of("VolumeMode", "PersistentVolumeClaimSpec.volumeMode").wide());

  static final Printer<PersistentVolume> PV = Printer.of(PersistentVolume.class, PV_COLUMNS, StoragePrinters::pv);
  static final Printer<PersistentVolumeClaim> PVC =
      Printer.of(PersistentVolumeClaim.class, PVC_COLUMNS, StoragePrinters::pvc);

  /** The beta annotation wins over spec.storageClassName, as in the server's storage helpers. */
  private static final String BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
  /** The API server defaults volumeMode on create; the simulated one does not, so print the default. */
  private static final String DEFAULT_VOLUME_MODE = "Filesystem";

  static List<Object> pv(PersistentVolume pv, Instant now) {
    PersistentVolumeSpec spec = pv.getSpec() == null ? new PersistentVolumeSpec() : pv.getSpec();
    ObjectMeta meta = pv.getMetadata();
    String claim = spec.getClaimRef() == null ? ""
        : nullToEmpty(spec.getClaimRef().getNamespace()) + "/" + nullToEmpty(spec.getClaimRef().getName());
    String phase = pv.getStatus() == null ? "" : nullToEmpty(pv.getStatus().getPhase());
    if (meta.getDeletionTimestamp() != null) {
      phase = "Terminating";
    }
    return List.of(meta.getName(),
        storage(spec.getCapacity()),
        accessModes(spec.getAccessModes()),
        nullToEmpty(spec.getPersistentVolumeReclaimPolicy()),
        phase,
        claim,
        storageClass(meta, spec.getStorageClassName()),
        orUnset(spec.getVolumeAttributesClassName()),
        pv.getStatus() == null ? "" : nullToEmpty(pv.getStatus().getReason()),
        HumanDuration.since(meta.getCreationTimestamp(), now),
        spec.getVolumeMode() == null ? DEFAULT_VOLUME_MODE : spec.getVolumeMode());
  }

  static List<Object> pvc(PersistentVolumeClaim pvc, Instant now) {
    PersistentVolumeClaimSpec spec = pvc.getSpec() == null ? new PersistentVolumeClaimSpec() : pvc.getSpec();
    ObjectMeta meta = pvc.getMetadata();
    String phase = pvc.getStatus() == null ? "" : nullToEmpty(pvc.getStatus().getPhase());
    if (meta.getDeletionTimestamp() != null) {
      phase = "Terminating";
    }
    String capacity = "";
    String accessModes = "";
    if (spec.getVolumeName() != null && !spec.getVolumeName().isEmpty() && pvc.getStatus() != null) {
      capacity = storage(pvc.getStatus().getCapacity());
      accessModes = accessModes(pvc.getStatus().getAccessModes());
    }
    return List.of(meta.getName(),
        phase,
        nullToEmpty(spec.getVolumeName()),
        capacity,
        accessModes,
        storageClass(meta, spec.getStorageClassName()),
        orUnset(spec.getVolumeAttributesClassName()),
        HumanDuration.since(meta.getCreationTimestamp(), now),
        spec.getVolumeMode() == null ? DEFAULT_VOLUME_MODE : spec.getVolumeMode());
  }

  /** RWO, ROX, RWX, RWOP in this order, each once ({@code helper.GetAccessModesAsString}). */
  static String accessModes(List<String> modes) {
    List<String> shortNames = new ArrayList<>();
    for (String[] mode : new String[][] {{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"},
        {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}}) {
      if (modes != null && modes.contains(mode[0])) {
        shortNames.add(mode[1]);
      }
    }
    return String.join(",", shortNames);
  }

  private static String storage(Map<String, Quantity> resources) {
    Quantity quantity = resources == null ? null : resources.get("storage");
    // Approximation: the server prints the canonical form of the quantity; this prints it as stored.
    return quantity == null ? "0" : quantity.toString();
  }

  private static String storageClass(ObjectMeta meta, String storageClassName) {
    if (meta.getAnnotations() != null && meta.getAnnotations().containsKey(BETA_STORAGE_CLASS)) {
      return meta.getAnnotations().get(BETA_STORAGE_CLASS);
    }
    return nullToEmpty(storageClassName);
  }

  private static String orUnset(String s) {
    return s == null ? "<unset>" : s;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
