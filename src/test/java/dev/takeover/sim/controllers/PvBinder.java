package dev.takeover.sim.controllers;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.takeover.sim.model.Selectors;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The PV controller's binding half: a Pending claim gets the smallest Available volume that fits (storage class,
 * volume mode, access modes, capacity, selector), or the volume pre-bound to it by {@code spec.claimRef}.
 * Binding is immediate (no WaitForFirstConsumer). A volume whose claim is gone is Released, or deleted when its
 * reclaim policy is Delete.
 */
public final class PvBinder implements Controller {

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<PersistentVolume> volumes = client.persistentVolumes().list().getItems();
    List<PersistentVolumeClaim> claims = client.persistentVolumeClaims().inAnyNamespace().list().getItems();
    Map<String, PersistentVolumeClaim> claimsByKey = new HashMap<>();
    claims.forEach(c -> claimsByKey.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c));
    for (PersistentVolume pv : volumes) {
      settleVolumePhase(client, pv, claimsByKey);
    }
    for (PersistentVolumeClaim pvc : claims) {
      if (isPending(pvc) && pvc.getMetadata().getDeletionTimestamp() == null) {
        findVolumeFor(pvc, client.persistentVolumes().list().getItems()).ifPresent(pv -> bind(client, pvc, pv));
      }
    }
  }

  private static boolean isPending(PersistentVolumeClaim pvc) {
    return pvc.getSpec().getVolumeName() == null || pvc.getSpec().getVolumeName().isEmpty();
  }

  private static void settleVolumePhase(KubernetesClient client, PersistentVolume pv,
      Map<String, PersistentVolumeClaim> claims) {
    String phase = pv.getStatus() == null ? null : pv.getStatus().getPhase();
    var ref = pv.getSpec().getClaimRef();
    if (ref == null || ref.getUid() == null) {
      if (phase == null || phase.equals("Pending")) {
        setPhase(client, pv, "Available");
      }
      return;
    }
    PersistentVolumeClaim claim = claims.get(ref.getNamespace() + "/" + ref.getName());
    boolean claimGone = claim == null || !ref.getUid().equals(claim.getMetadata().getUid());
    if (claimGone && "Bound".equals(phase)) {
      if ("Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())) {
        client.persistentVolumes().resource(pv).delete();
      } else {
        setPhase(client, pv, "Released");
      }
    }
  }

  /** The volume the binder would choose for {@code pvc}, if any. */
  public static Optional<PersistentVolume> findVolumeFor(PersistentVolumeClaim pvc, List<PersistentVolume> volumes) {
    Optional<PersistentVolume> preBound = volumes.stream().filter(pv -> isPreBoundTo(pv, pvc)).findFirst();
    if (preBound.isPresent()) {
      return preBound;
    }
    BigDecimal request = storage(pvc.getSpec().getResources() == null ? null : pvc.getSpec().getResources().getRequests());
    return volumes.stream()
        .filter(pv -> pv.getSpec().getClaimRef() == null)
        .filter(pv -> pv.getStatus() == null || !"Bound".equals(pv.getStatus().getPhase()))
        .filter(pv -> pv.getMetadata().getDeletionTimestamp() == null)
        .filter(pv -> Objects.equals(nullIfEmpty(pvc.getSpec().getStorageClassName()),
            nullIfEmpty(pv.getSpec().getStorageClassName())))
        .filter(pv -> Objects.equals(Objects.requireNonNullElse(pvc.getSpec().getVolumeMode(), "Filesystem"),
            Objects.requireNonNullElse(pv.getSpec().getVolumeMode(), "Filesystem")))
        .filter(pv -> pv.getSpec().getAccessModes().containsAll(pvc.getSpec().getAccessModes()))
        .filter(pv -> storage(pv.getSpec().getCapacity()).compareTo(request) >= 0)
        .filter(pv -> pvc.getSpec().getSelector() == null
            || Selectors.matches(pvc.getSpec().getSelector(), pv.getMetadata().getLabels()))
        .min(Comparator.comparing((PersistentVolume pv) -> storage(pv.getSpec().getCapacity()))
            .thenComparing(pv -> pv.getMetadata().getName()));
  }

  private static boolean isPreBoundTo(PersistentVolume pv, PersistentVolumeClaim pvc) {
    var ref = pv.getSpec().getClaimRef();
    return ref != null && pvc.getMetadata().getName().equals(ref.getName())
        && pvc.getMetadata().getNamespace().equals(ref.getNamespace())
        && (ref.getUid() == null || ref.getUid().equals(pvc.getMetadata().getUid()))
        && !"Bound".equals(pv.getStatus() == null ? null : pv.getStatus().getPhase());
  }

  /** Binds as the PV controller does: the volume's claimRef, its phase, then the claim's volumeName and phase. */
  public static void bind(KubernetesClient client, PersistentVolumeClaim pvc, PersistentVolume pv) {
    boolean preBound = pv.getSpec().getClaimRef() != null;
    pv.getSpec().setClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
        .withNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName())
        .withUid(pvc.getMetadata().getUid()).withResourceVersion(pvc.getMetadata().getResourceVersion()).build());
    if (!preBound) {
      pv.getMetadata().getAnnotations().put("pv.kubernetes.io/bound-by-controller", "yes");
    }
    PersistentVolume updated = client.persistentVolumes().resource(pv).update();
    setPhase(client, updated, "Bound");

    pvc.getSpec().setVolumeName(pv.getMetadata().getName());
    pvc.getMetadata().getAnnotations().put("pv.kubernetes.io/bind-completed", "yes");
    pvc.getMetadata().getAnnotations().put("pv.kubernetes.io/bound-by-controller", "yes");
    PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace())
        .resource(pvc).update();
    PersistentVolumeClaimStatus status = new PersistentVolumeClaimStatus();
    status.setPhase("Bound");
    status.setAccessModes(pv.getSpec().getAccessModes());
    status.setCapacity(pv.getSpec().getCapacity());
    claim.setStatus(status);
    client.persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace()).resource(claim).updateStatus();
  }

  private static void setPhase(KubernetesClient client, PersistentVolume pv, String phase) {
    if (pv.getStatus() == null) {
      pv.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeStatus());
    }
    pv.getStatus().setPhase(phase);
    pv.getStatus().setLastPhaseTransitionTime(dev.takeover.sim.model.Times.now());
    client.persistentVolumes().resource(pv).updateStatus();
  }

  private static BigDecimal storage(Map<String, Quantity> resources) {
    Quantity q = resources == null ? null : resources.get("storage");
    return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
  }

  private static String nullIfEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
