package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Owners;
import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Selectors;
import dev.takeover.sim.model.Taints;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pod per node the DaemonSet may run on (its nodeSelector, node affinity and tolerations), pinned to that node by
 * node affinity on {@code metadata.name} and given the tolerations the real controller adds (so cordoning does not
 * move it). Pods on nodes it may no longer run on, and failed pods, are deleted.
 */
public final class DaemonSetController implements Controller {
  private static final List<String[]> DEFAULT_TOLERATIONS = List.of(
      new String[] {Taints.NOT_READY, "NoExecute"}, new String[] {Taints.UNREACHABLE, "NoExecute"},
      new String[] {"node.kubernetes.io/disk-pressure", "NoSchedule"},
      new String[] {"node.kubernetes.io/memory-pressure", "NoSchedule"},
      new String[] {"node.kubernetes.io/pid-pressure", "NoSchedule"},
      new String[] {Taints.UNSCHEDULABLE, "NoSchedule"});

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    List<DaemonSet> sets = client.apps().daemonSets().inAnyNamespace().list().getItems();
    if (sets.isEmpty()) {
      return;
    }
    List<Node> nodes = client.nodes().list().getItems();
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    for (DaemonSet ds : sets) {
      if (ds.getMetadata().getDeletionTimestamp() == null) {
        reconcile(context, ds, nodes, pods.stream().filter(p -> Pods.isControlledBy(p, ds.getMetadata().getUid())).toList());
      }
    }
  }

  private void reconcile(ControllerContext context, DaemonSet ds, List<Node> nodes, List<Pod> owned) {
    KubernetesClient client = context.client();
    String namespace = ds.getMetadata().getNamespace();
    int desired = 0;
    for (Node node : nodes) {
      String nodeName = node.getMetadata().getName();
      List<Pod> onNode = owned.stream().filter(p -> nodeName.equals(targetNode(p))).toList();
      List<Pod> running = new ArrayList<>();
      for (Pod pod : onNode) {
        if (Pods.isTerminating(pod)) {
          continue;
        }
        if ("Failed".equals(Pods.phase(pod))) {
          client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        } else {
          running.add(pod);
        }
      }
      boolean shouldRun = shouldRunOn(ds, node, false);
      if (shouldRun) {
        desired++;
        if (running.isEmpty()) {
          Pod created = client.pods().inNamespace(namespace).resource(newPod(ds, nodeName)).create();
          context.events().normal(ds, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName(),
              "daemonset-controller");
        }
      } else if (!shouldRunOn(ds, node, true)) {
        // an untolerated NoSchedule taint only stops new pods; existing ones go when they may not run at all
        running.forEach(p -> client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete());
      }
    }
    updateStatus(client, ds, desired, owned);
  }

  /** The node a DaemonSet pod is for: its nodeName once bound, else the metadata.name in its node affinity. */
  private static String targetNode(Pod pod) {
    if (Pods.isBound(pod)) {
      return Pods.nodeName(pod);
    }
    return Optional.ofNullable(pod.getSpec().getAffinity()).map(Affinity::getNodeAffinity)
        .map(NodeAffinity::getRequiredDuringSchedulingIgnoredDuringExecution)
        .flatMap(s -> s.getNodeSelectorTerms().stream().flatMap(t -> t.getMatchFields().stream()).findFirst())
        .map(r -> r.getValues().get(0)).orElse("");
  }

  private static boolean shouldRunOn(DaemonSet ds, Node node, boolean alreadyRunning) {
    PodSpec spec = ds.getSpec().getTemplate().getSpec();
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec.getNodeSelector() != null && !labels.entrySet().containsAll(spec.getNodeSelector().entrySet())) {
      return false;
    }
    var required = Optional.ofNullable(spec.getAffinity()).map(Affinity::getNodeAffinity)
        .map(NodeAffinity::getRequiredDuringSchedulingIgnoredDuringExecution);
    if (required.isPresent() && !Selectors.matchesAnyTerm(required.get().getNodeSelectorTerms(), node)) {
      return false;
    }
    List<io.fabric8.kubernetes.api.model.Taint> taints = node.getSpec().getTaints() == null ? List.of()
        : node.getSpec().getTaints().stream().filter(t -> !alreadyRunning || "NoExecute".equals(t.getEffect())).toList();
    return Taints.firstUntolerated(taints, withDefaultTolerations(spec.getTolerations())).isEmpty();
  }

  private static List<Toleration> withDefaultTolerations(List<Toleration> tolerations) {
    List<Toleration> all = new ArrayList<>(tolerations == null ? List.of() : tolerations);
    for (String[] t : DEFAULT_TOLERATIONS) {
      boolean present = all.stream().anyMatch(x -> t[0].equals(x.getKey()) && t[1].equals(x.getEffect()));
      if (!present) {
        all.add(new TolerationBuilder().withKey(t[0]).withOperator("Exists").withEffect(t[1]).build());
      }
    }
    return all;
  }

  /** A DaemonSet pod for one node, as the controller creates it (then the scheduler binds it there). */
  public static Pod newPod(DaemonSet ds, String nodeName) {
    var template = ds.getSpec().getTemplate();
    Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels() == null
        ? Map.of() : template.getMetadata().getLabels());
    labels.put("controller-revision-hash", Owners.templateHash(Serialization.asJson(template)));
    labels.put("pod-template-generation", String.valueOf(ds.getMetadata().getGeneration()));
    Pod pod = new PodBuilder()
        .withNewMetadata().withGenerateName(ds.getMetadata().getName() + "-")
        .withNamespace(ds.getMetadata().getNamespace()).withLabels(labels)
        .withAnnotations(template.getMetadata().getAnnotations())
        .withOwnerReferences(Owners.controllerRef(ds)).endMetadata()
        .withSpec(Serialization.clone(template.getSpec())).build();
    Affinity affinity = pod.getSpec().getAffinity() == null ? new Affinity() : pod.getSpec().getAffinity();
    NodeAffinity nodeAffinity = affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
    nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelectorBuilder()
        .withNodeSelectorTerms(new NodeSelectorTermBuilder().withMatchFields(new NodeSelectorRequirementBuilder()
            .withKey("metadata.name").withOperator("In").withValues(nodeName).build()).build()).build());
    affinity.setNodeAffinity(nodeAffinity);
    pod.getSpec().setAffinity(affinity);
    pod.getSpec().setTolerations(withDefaultTolerations(pod.getSpec().getTolerations()));
    return pod;
  }

  private void updateStatus(KubernetesClient client, DaemonSet ds, int desired, List<Pod> owned) {
    List<Pod> live = owned.stream().filter(p -> !Pods.isTerminating(p) && !Pods.isTerminal(p)).toList();
    int scheduled = (int) live.stream().filter(Pods::isBound).count();
    int ready = (int) live.stream().filter(Pods::isReady).count();
    DaemonSetStatus status = new DaemonSetStatusBuilder()
        .withObservedGeneration(ds.getMetadata().getGeneration())
        .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(scheduled).withNumberMisscheduled(0)
        .withNumberReady(ready).withNumberAvailable(ready).withUpdatedNumberScheduled(scheduled)
        .withNumberUnavailable(Math.max(0, desired - ready)).build();
    if (Changes.differ(status, ds.getStatus())) {
      ds.setStatus(status);
      client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace()).resource(ds).updateStatus();
    }
  }
}
