package dev.takeover.sim.scenario;

import dev.takeover.sim.controllers.DeploymentController;
import dev.takeover.sim.controllers.PvBinder;
import dev.takeover.sim.controllers.ReplicaSetController;
import dev.takeover.sim.controllers.StatefulSetPods;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Creates a scenario's objects while the controllers are held (it runs on their thread), so that initial placements
 * are made exactly as the controllers would have made them: the pods and claims a StatefulSet or ReplicaSet
 * controller creates, bound through the binding subresource as the scheduler binds, claims bound as the PV binder
 * binds. Nothing carries a field a real cluster would not have; the kubelets then start the pods as usual.
 */
final class Restore {
  private final KubernetesClient client;
  private final List<String> namespaces;
  private final List<NodeSpec> nodes;

  Restore(KubernetesClient client, List<String> namespaces, List<NodeSpec> nodes) {
    this.client = client;
    this.namespaces = namespaces;
    this.nodes = nodes;
  }

  void create(List<HasMetadata> plain, List<StatefulSetSpec> statefulSets, List<DeploymentSpec> deployments,
      List<DaemonSetSpec> daemonSets, List<BarePodSpec> pods) {
    Set<String> wanted = new LinkedHashSet<>(namespaces);
    plain.stream().map(o -> o.getMetadata().getNamespace()).filter(Objects::nonNull).forEach(wanted::add);
    statefulSets.forEach(s -> wanted.add(s.namespace()));
    deployments.forEach(d -> wanted.add(d.namespace()));
    daemonSets.forEach(d -> wanted.add(d.namespace()));
    pods.forEach(p -> wanted.add(p.namespace()));
    for (String namespace : wanted) {
      if (client.namespaces().withName(namespace).get() == null) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
            .create();
      }
    }
    int index = client.nodes().list().getItems().size();
    for (NodeSpec node : nodes) {
      client.nodes().resource(node.build(index++)).create();
    }
    plain.forEach(object -> client.resource(object).create());
    statefulSets.forEach(this::statefulSet);
    deployments.forEach(this::deployment);
    daemonSets.forEach(ds -> client.apps().daemonSets().inNamespace(ds.namespace()).resource(ds.build()).create());
    for (BarePodSpec spec : pods) {
      Pod pod = client.pods().inNamespace(spec.namespace()).resource(spec.build()).create();
      if (spec.placement() != null) {
        bind(pod, spec.placement());
      }
    }
  }

  private void statefulSet(StatefulSetSpec spec) {
    StatefulSet sts = client.apps().statefulSets().inNamespace(spec.namespace()).resource(spec.build()).create();
    List<String> placement = spec.placement();
    for (int ordinal = 0; ordinal < placement.size() && ordinal < sts.getSpec().getReplicas(); ordinal++) {
      for (PersistentVolumeClaim claim : StatefulSetPods.newClaims(sts, ordinal)) {
        PersistentVolumeClaim created = client.persistentVolumeClaims().inNamespace(spec.namespace()).resource(claim).create();
        PvBinder.findVolumeFor(created, client.persistentVolumes().list().getItems())
            .ifPresent(pv -> PvBinder.bind(client, created, pv));
      }
      Pod pod = client.pods().inNamespace(spec.namespace()).resource(StatefulSetPods.newPod(sts, ordinal)).create();
      bind(pod, placement.get(ordinal));
    }
  }

  private void deployment(DeploymentSpec spec) {
    Deployment deployment = client.apps().deployments().inNamespace(spec.namespace()).resource(spec.build()).create();
    if (spec.placement() == null) {
      return;
    }
    ReplicaSet rs = client.apps().replicaSets().inNamespace(spec.namespace())
        .resource(DeploymentController.newReplicaSet(deployment)).create();
    for (int i = 0; i < rs.getSpec().getReplicas(); i++) {
      bind(client.pods().inNamespace(spec.namespace()).resource(ReplicaSetController.newPod(rs)).create(), spec.placement());
    }
  }

  private void bind(Pod pod, String node) {
    String namespace = pod.getMetadata().getNamespace();
    client.bindings().inNamespace(namespace).resource(new BindingBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(namespace).endMetadata()
        .withNewTarget().withKind("Node").withApiVersion("v1").withName(node).endTarget().build()).create();
  }
}
