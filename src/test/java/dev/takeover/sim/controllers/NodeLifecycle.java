package dev.takeover.sim.controllers;

import dev.takeover.sim.model.Pods;
import dev.takeover.sim.model.Taints;
import dev.takeover.sim.model.Times;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node lifecycle controller, minimal. A cordoned node gets the taint node.kubernetes.io/unschedulable:NoSchedule
 * (and loses it when uncordoned). A stopped node is noticed as Kubernetes notices it (watch/node-dies.jsonl): once
 * its Lease has not been renewed for {@code SimTiming.nodeMonitorGrace}, its conditions go Unknown
 * (NodeStatusUnknown) with the taint unreachable:NoSchedule, and {@code noExecuteDelay} later unreachable:NoExecute;
 * that is noticed on the controller's own runs ({@code SimTiming.nodeMonitorPeriod}), not at the instant the grace
 * ends;
 * its pods become Ready=False and stay bound there. When it starts again, it is Ready and untainted.
 * Eviction after tolerationSeconds is {@link TaintEviction}'s; the out-of-service taint's force delete, {@link PodGc}'s.
 */
public final class NodeLifecycle implements Controller {
  private static final Map<String, String[]> HEALTHY = Map.of(
      "MemoryPressure", new String[] {"False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
      "DiskPressure", new String[] {"False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
      "PIDPressure", new String[] {"False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
      "Ready", new String[] {"True", "KubeletReady", "kubelet is posting ready status"});

  /** When monitorNodeHealth runs (every nodeMonitorPeriod from the start). */
  private Ticks monitorRuns;

  @Override
  public void reconcile(ControllerContext context) {
    KubernetesClient client = context.client();
    Instant now = context.now();
    monitorRuns(context, now);
    for (Node node : client.nodes().list().getItems()) {
      String name = node.getMetadata().getName();
      boolean unreachable = context.isStopped(name) && unheardOf(context, name, now);
      Node current = setConditions(client, node, unreachable);
      List<Taint> taints = new ArrayList<>(current.getSpec().getTaints() == null ? List.of() : current.getSpec().getTaints());
      boolean changed = want(taints, Taints.UNSCHEDULABLE, "NoSchedule", Boolean.TRUE.equals(current.getSpec().getUnschedulable()));
      changed |= want(taints, Taints.UNREACHABLE, "NoSchedule", unreachable);
      changed |= want(taints, Taints.UNREACHABLE, "NoExecute", unreachable && noExecuteDue(context, name, taints, now));
      if (changed) {
        current.getSpec().setTaints(taints);
        client.nodes().resource(current).update();
      }
      if (unreachable) {
        markPodsNotReady(client, name);
      }
    }
  }

  /**
   * True once the node's Lease has gone unrenewed for the grace, as monitorNodeHealth finds it: it runs every
   * {@code nodeMonitorPeriod}, takes a renewal as heard on its first run after it (probeTimestamp), and calls the node
   * Unknown on its first run at least the grace after that; so between grace and grace + period after the renewal
   * (the grace a multiple of the period, as Kubernetes' 50 s and 5 s).
   * Until then, a pass is asked for at that run.
   */
  private boolean unheardOf(ControllerContext context, String node, Instant now) {
    Lease lease = context.client().leases().inNamespace("kube-node-lease").withName(node).get();
    if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
      return true;
    }
    Instant heard = monitorRuns(context, now).lookAtOrAfter(lease.getSpec().getRenewTime().toInstant(), now);
    Instant due = monitorRuns(context, now).lookAtOrAfter(heard.plus(context.timing().nodeMonitorGrace()), now);
    if (now.isBefore(due)) {
      context.wakeAt("unreachable " + node, due);
      return false;
    }
    return true;
  }

  private Ticks monitorRuns(ControllerContext context, Instant now) {
    if (monitorRuns == null) {
      monitorRuns = new Ticks(context.timing().nodeMonitorPeriod());
      monitorRuns.lookAtOrAfter(now, now); // the controller starts with the cluster
    }
    return monitorRuns;
  }

  /** The NoExecute taint follows the NoSchedule one by {@code noExecuteDelay} (the controller's next pass). */
  private static boolean noExecuteDue(ControllerContext context, String node, List<Taint> taints, Instant now) {
    if (Taints.has(taints, Taints.UNREACHABLE, "NoExecute")) {
      return true;
    }
    Instant added = taints.stream().filter(t -> Taints.UNREACHABLE.equals(t.getKey()) && "NoSchedule".equals(t.getEffect()))
        .map(t -> t.getTimeAdded() == null ? now : Instant.parse(t.getTimeAdded())).findFirst().orElse(now);
    Instant due = added.plus(context.timing().noExecuteDelay());
    if (now.isBefore(due)) {
      context.wakeAt("no-execute " + node, due);
      return false;
    }
    return true;
  }

  private static Node setConditions(KubernetesClient client, Node node, boolean stopped) {
    List<NodeCondition> conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
    if (conditions == null) {
      return node;
    }
    boolean changed = false;
    for (NodeCondition c : conditions) {
      String[] healthy = HEALTHY.get(c.getType());
      String[] wanted = stopped ? new String[] {"Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."}
          : healthy;
      boolean unknownNow = "Unknown".equals(c.getStatus());
      if (wanted != null && (stopped != unknownNow)) {
        c.setStatus(wanted[0]);
        c.setReason(wanted[1]);
        c.setMessage(wanted[2]);
        c.setLastTransitionTime(Times.now());
        if (!stopped) {
          c.setLastHeartbeatTime(Times.now());
        }
        changed = true;
      }
    }
    return changed ? client.nodes().resource(node).updateStatus() : node;
  }

  private static boolean want(List<Taint> taints, String key, String effect, boolean present) {
    boolean has = Taints.has(taints, key, effect);
    if (present && !has) {
      taints.add(new TaintBuilder().withKey(key).withEffect(effect).withTimeAdded(Times.now()).build());
      return true;
    }
    if (!present && has) {
      taints.removeIf(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()));
      return true;
    }
    return false;
  }

  /** MarkPodsNotReady: the pods of an unreachable node are no longer Ready (watch/pod-on-dead-node.jsonl). */
  private static void markPodsNotReady(KubernetesClient client, String nodeName) {
    for (Pod pod : client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).list().getItems()) {
      if (Pods.isReady(pod)) {
        Pods.setCondition(pod, "Ready", "False", null, null);
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
      }
    }
  }
}
