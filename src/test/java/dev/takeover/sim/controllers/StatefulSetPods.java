package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Owners;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The pods and claims a StatefulSet controller makes for one ordinal (newVersionedStatefulSetPod, getPersistentVolumeClaims). */
public final class StatefulSetPods {
  private StatefulSetPods() {}

  public static String podName(StatefulSet sts, int ordinal) {
    return sts.getMetadata().getName() + "-" + ordinal;
  }

  public static String claimName(String template, StatefulSet sts, int ordinal) {
    return template + "-" + podName(sts, ordinal);
  }

  /** controller-revision-hash label value: NAME-HASH. */
  public static String revision(StatefulSet sts) {
    return sts.getMetadata().getName() + "-" + Owners.templateHash(Serialization.asJson(sts.getSpec().getTemplate()));
  }

  public static Pod newPod(StatefulSet sts, int ordinal) {
    String name = podName(sts, ordinal);
    ObjectMeta template = sts.getSpec().getTemplate().getMetadata();
    Map<String, String> labels = new HashMap<>(template == null || template.getLabels() == null ? Map.of() : template.getLabels());
    labels.put("statefulset.kubernetes.io/pod-name", name);
    labels.put("apps.kubernetes.io/pod-index", String.valueOf(ordinal));
    labels.put("controller-revision-hash", revision(sts));
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(name).withGenerateName(sts.getMetadata().getName() + "-")
        .withNamespace(sts.getMetadata().getNamespace()).withLabels(labels)
        .withAnnotations(template == null ? null : template.getAnnotations())
        .withFinalizers(template == null ? null : template.getFinalizers())
        .withOwnerReferences(Owners.controllerRef(sts)).endMetadata()
        .withSpec(Serialization.clone(sts.getSpec().getTemplate().getSpec()))
        .build();
    pod.getSpec().setHostname(name);
    pod.getSpec().setSubdomain(sts.getSpec().getServiceName());
    List<Volume> volumes = new ArrayList<>(pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes());
    for (PersistentVolumeClaim claimTemplate : claimTemplates(sts)) {
      String volumeName = claimTemplate.getMetadata().getName();
      volumes.removeIf(v -> volumeName.equals(v.getName()));
      volumes.add(new VolumeBuilder().withName(volumeName).withNewPersistentVolumeClaim()
          .withClaimName(claimName(volumeName, sts, ordinal)).endPersistentVolumeClaim().build());
    }
    pod.getSpec().setVolumes(volumes);
    return pod;
  }

  public static List<PersistentVolumeClaim> newClaims(StatefulSet sts, int ordinal) {
    List<PersistentVolumeClaim> claims = new ArrayList<>();
    for (PersistentVolumeClaim template : claimTemplates(sts)) {
      Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels() == null
          ? Map.of() : template.getMetadata().getLabels());
      if (sts.getSpec().getSelector().getMatchLabels() != null) {
        labels.putAll(sts.getSpec().getSelector().getMatchLabels());
      }
      claims.add(new PersistentVolumeClaimBuilder()
          .withNewMetadata().withName(claimName(template.getMetadata().getName(), sts, ordinal))
          .withNamespace(sts.getMetadata().getNamespace()).withLabels(labels)
          .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
          .withSpec(Serialization.clone(template.getSpec()))
          .build());
    }
    return claims;
  }

  private static List<PersistentVolumeClaim> claimTemplates(StatefulSet sts) {
    return sts.getSpec().getVolumeClaimTemplates() == null ? List.of() : sts.getSpec().getVolumeClaimTemplates();
  }
}
