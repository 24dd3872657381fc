package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** StatefulSets, DaemonSets, Deployments and ReplicaSets as the API server prints them. */
final class WorkloadPrinters {
  private WorkloadPrinters() {
  }

  private static final String CONTAINERS = "Names of each container in the template.";
  private static final String IMAGES = "Images referenced by each container in the template.";
  private static final String READY = "Number of the pod with ready state";

  static final Printer<StatefulSet> STATEFUL_SET = Printer.of(StatefulSet.class, List.of(
      Column.objectName(),
      Column.described("Ready", READY),
      Column.age(),
      Column.described("Containers", CONTAINERS).wide(),
      Column.described("Images", IMAGES).wide()), WorkloadPrinters::statefulSet);

  static final Printer<DaemonSet> DAEMON_SET = Printer.of(DaemonSet.class, List.of(
      Column.objectName(),
      Column.of("Desired", "DaemonSetStatus.desiredNumberScheduled").typed("integer"),
      Column.of("Current", "DaemonSetStatus.currentNumberScheduled").typed("integer"),
      Column.of("Ready", "DaemonSetStatus.numberReady").typed("integer"),
      Column.of("Up-to-date", "DaemonSetStatus.updatedNumberScheduled").typed("integer"),
      Column.of("Available", "DaemonSetStatus.numberAvailable").typed("integer"),
      Column.of("Node Selector", "PodSpec.nodeSelector"),
      Column.age(),
      Column.described("Containers", CONTAINERS).wide(),
      Column.described("Images", IMAGES).wide(),
      Column.of("Selector", "DaemonSetSpec.selector").wide()), WorkloadPrinters::daemonSet);

  static final Printer<Deployment> DEPLOYMENT = Printer.of(Deployment.class, List.of(
      Column.objectName(),
      Column.described("Ready", READY),
      Column.of("Up-to-date", "DeploymentStatus.updatedReplicas"),
      Column.of("Available", "DeploymentStatus.availableReplicas"),
      Column.age(),
      Column.described("Containers", CONTAINERS).wide(),
      Column.described("Images", IMAGES).wide(),
      Column.of("Selector", "DeploymentSpec.selector").wide()), WorkloadPrinters::deployment);

  static final Printer<ReplicaSet> REPLICA_SET = Printer.of(ReplicaSet.class, List.of(
      Column.objectName(),
      Column.of("Desired", "ReplicaSetSpec.replicas").typed("integer"),
      Column.of("Current", "ReplicaSetStatus.replicas").typed("integer"),
      Column.of("Ready", "ReplicaSetStatus.readyReplicas").typed("integer"),
      Column.age(),
      Column.described("Containers", CONTAINERS).wide(),
      Column.described("Images", IMAGES).wide(),
      Column.of("Selector", "ReplicaSetSpec.selector").wide()), WorkloadPrinters::replicaSet);

  static List<Object> statefulSet(StatefulSet sts, Instant now) {
    long ready = sts.getStatus() == null ? 0 : count(sts.getStatus().getReadyReplicas());
    return List.of(sts.getMetadata().getName(),
        ready + "/" + replicas(sts.getSpec().getReplicas()),
        HumanDuration.since(sts.getMetadata().getCreationTimestamp(), now),
        names(sts.getSpec().getTemplate()),
        images(sts.getSpec().getTemplate()));
  }

  static List<Object> daemonSet(DaemonSet ds, Instant now) {
    DaemonSetStatus status = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
    PodTemplateSpec template = ds.getSpec().getTemplate();
    Map<String, String> nodeSelector = template == null || template.getSpec() == null ? null
        : template.getSpec().getNodeSelector();
    return List.of(ds.getMetadata().getName(),
        count(status.getDesiredNumberScheduled()),
        count(status.getCurrentNumberScheduled()),
        count(status.getNumberReady()),
        count(status.getUpdatedNumberScheduled()),
        count(status.getNumberAvailable()),
        Selectors.formatLabels(nodeSelector),
        HumanDuration.since(ds.getMetadata().getCreationTimestamp(), now),
        names(template),
        images(template),
        Selectors.formatLabelSelector(ds.getSpec().getSelector()));
  }

  static List<Object> deployment(Deployment deploy, Instant now) {
    DeploymentStatus status = deploy.getStatus() == null ? new DeploymentStatus() : deploy.getStatus();
    return List.of(deploy.getMetadata().getName(),
        count(status.getReadyReplicas()) + "/" + replicas(deploy.getSpec().getReplicas()),
        count(status.getUpdatedReplicas()),
        count(status.getAvailableReplicas()),
        HumanDuration.since(deploy.getMetadata().getCreationTimestamp(), now),
        names(deploy.getSpec().getTemplate()),
        images(deploy.getSpec().getTemplate()),
        Selectors.selectorString(deploy.getSpec().getSelector()));
  }

  static List<Object> replicaSet(ReplicaSet rs, Instant now) {
    ReplicaSetStatus status = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
    return List.of(rs.getMetadata().getName(),
        replicas(rs.getSpec().getReplicas()),
        count(status.getReplicas()),
        count(status.getReadyReplicas()),
        HumanDuration.since(rs.getMetadata().getCreationTimestamp(), now),
        names(rs.getSpec().getTemplate()),
        images(rs.getSpec().getTemplate()),
        Selectors.formatLabelSelector(rs.getSpec().getSelector()));
  }

  /** The API server defaults spec.replicas to 1; the simulated one may not have. */
  private static long replicas(Integer replicas) {
    return replicas == null ? 1 : replicas;
  }

  private static long count(Integer value) {
    return value == null ? 0 : value;
  }

  private static String names(PodTemplateSpec template) {
    return containers(template).stream().map(Container::getName).collect(Collectors.joining(","));
  }

  private static String images(PodTemplateSpec template) {
    return containers(template).stream().map(c -> c.getImage() == null ? "" : c.getImage()).collect(Collectors.joining(","));
  }

  private static List<Container> containers(PodTemplateSpec template) {
    return template == null || template.getSpec() == null ? List.of() : template.getSpec().getContainers();
  }
}
