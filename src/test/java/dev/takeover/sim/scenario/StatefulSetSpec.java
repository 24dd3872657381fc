package dev.takeover.sim.scenario;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A StatefulSet: replicas, serviceName (default: its name), claim templates, and optionally where its pods run at start. */
public final class StatefulSetSpec extends TemplateSpec<StatefulSetSpec> {
  private final String namespace;
  private int replicas = 1;
  private String serviceName;
  private boolean parallel;
  private final List<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> claimTemplates = new ArrayList<>();
  private final List<String> placement = new ArrayList<>();

  StatefulSetSpec(String namespace, String name) {
    super(name);
    this.namespace = namespace;
  }

  public StatefulSetSpec replicas(int replicas) {
    this.replicas = replicas;
    return this;
  }

  public StatefulSetSpec serviceName(String serviceName) {
    this.serviceName = serviceName;
    return this;
  }

  /** podManagementPolicy Parallel (default OrderedReady). */
  public StatefulSetSpec parallel() {
    this.parallel = true;
    return this;
  }

  /** A volumeClaimTemplate (RWO, Filesystem): each pod gets claim NAME-STS-ORDINAL. Mount it with {@link #mount}. */
  public StatefulSetSpec claimTemplate(String name, String storageClass, String size) {
    claimTemplates.add(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withVolumeMode("Filesystem").withStorageClassName(storageClass)
        .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec().build());
    return this;
  }

  /**
   * Where the pods run when the scenario starts: ordinal 0 on the first node given, 1 on the second... As if the
   * cluster had been running for a while: the pods and claims are those the controller would have made, bound
   * as the scheduler and the PV binder would have bound them.
   */
  public StatefulSetSpec placeOn(String... nodes) {
    placement.addAll(List.of(nodes));
    return this;
  }

  List<String> placement() {
    return placement;
  }

  String namespace() {
    return namespace;
  }

  StatefulSet build() {
    return new StatefulSetBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(Map.of("app", labels.get("app"))).endMetadata()
        .withNewSpec().withReplicas(replicas).withServiceName(serviceName == null ? name : serviceName)
        .withPodManagementPolicy(parallel ? "Parallel" : "OrderedReady")
        .withNewSelector().withMatchLabels(selector()).endSelector()
        .withTemplate(template()).withVolumeClaimTemplates(claimTemplates.isEmpty() ? null : claimTemplates)
        .endSpec().build();
  }
}
