package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pods as the API server prints them ({@code printPod} of printers.go): READY counts ready containers, STATUS
 * is the reason kubectl users know (Running, Pending, ContainerCreating, CrashLoopBackOff, Init:0/1, Completed,
 * Terminating, …), RESTARTS says when the last restart was.
 */
final class PodPrinter {
  private PodPrinter() {
  }

  static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.described("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      Column.described("Status", "The aggregate status of the containers in this pod."),
      Column.described("Restarts", "The number of times the containers in this pod have been restarted and when "
          + "the last container in this pod has restarted."),
      Column.age(),
      Column.of("IP", "PodStatus.podIP").wide(),
      Column.of("Node", "PodSpec.nodeName").wide(),
      Column.of("Nominated Node", "PodStatus.nominatedNodeName").wide(),
      Column.of("Readiness Gates", "PodSpec.readinessGates").wide());

  static final Printer<Pod> PRINTER = Printer.of(Pod.class, COLUMNS, PodPrinter::cells)
      .withConditions(PodPrinter::conditions);

  /** The reason a pod lost on an unreachable node carries (k8s.io/kubernetes/pkg/util/node). */
  private static final String NODE_UNREACHABLE_POD_REASON = "NodeLost";

  static List<Object> cells(Pod pod, Instant now) {
    PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    Summary summary = summarize(pod, spec, status);

    String restarts = String.valueOf(summary.restarts);
    if (summary.restarts != 0 && summary.lastRestart != null) {
      restarts = summary.restarts + " (" + HumanDuration.since(summary.lastRestart, now) + " ago)";
    }
    return List.of(pod.getMetadata().getName(),
        summary.ready + "/" + summary.total,
        summary.reason,
        restarts,
        HumanDuration.since(pod.getMetadata().getCreationTimestamp(), now),
        orNone(podIp(status)),
        orNone(spec.getNodeName()),
        orNone(status.getNominatedNodeName()),
        readinessGates(spec, status));
  }

  /** What {@code printPod} works out before it writes the cells. */
  private record Summary(String reason, int ready, int total, int restarts, String lastRestart) {
  }

  private static Summary summarize(Pod pod, PodSpec spec, PodStatus status) {
    int total = spec.getContainers().size();
    String phase = status.getPhase() == null ? "" : status.getPhase();
    String reason = notEmpty(status.getReason()) ? status.getReason() : phase;
    for (PodCondition condition : status.getConditions()) {
      if ("PodScheduled".equals(condition.getType()) && "SchedulingGated".equals(condition.getReason())) {
        reason = "SchedulingGated";
      }
    }
    Map<String, Container> initContainers = new HashMap<>();
    for (Container container : spec.getInitContainers()) {
      initContainers.put(container.getName(), container);
      if (isRestartable(container)) {
        total++; // a sidecar counts as a container of the pod
      }
    }

    int ready = 0;
    int restarts = 0;
    int sidecarRestarts = 0;
    String lastRestart = null;
    String lastSidecarRestart = null;
    boolean initializing = false;
    List<ContainerStatus> initStatuses = status.getInitContainerStatuses();
    for (int i = 0; i < initStatuses.size(); i++) {
      ContainerStatus container = initStatuses.get(i);
      boolean sidecar = isRestartable(initContainers.get(container.getName()));
      restarts += count(container.getRestartCount());
      lastRestart = later(lastRestart, lastTermination(container));
      if (sidecar) {
        sidecarRestarts += count(container.getRestartCount());
        lastSidecarRestart = later(lastSidecarRestart, lastTermination(container));
      }
      ContainerStateTerminated terminated = container.getState() == null ? null : container.getState().getTerminated();
      String waitingReason = container.getState() == null || container.getState().getWaiting() == null
          ? null : container.getState().getWaiting().getReason();
      if (terminated != null && count(terminated.getExitCode()) == 0) {
        continue;
      } else if (sidecar && Boolean.TRUE.equals(container.getStarted())) {
        if (Boolean.TRUE.equals(container.getReady())) {
          ready++;
        }
        continue;
      } else if (terminated != null) {
        reason = notEmpty(terminated.getReason()) ? "Init:" + terminated.getReason()
            : count(terminated.getSignal()) != 0 ? "Init:Signal:" + terminated.getSignal()
            : "Init:ExitCode:" + terminated.getExitCode();
      } else if (notEmpty(waitingReason) && !"PodInitializing".equals(waitingReason)) {
        reason = "Init:" + waitingReason;
      } else {
        reason = "Init:" + i + "/" + spec.getInitContainers().size();
      }
      initializing = true;
      break;
    }

    if (!initializing || hasCondition(status, "Initialized")) {
      restarts = sidecarRestarts;
      lastRestart = lastSidecarRestart;
      boolean hasRunning = false;
      List<ContainerStatus> statuses = status.getContainerStatuses();
      for (int i = statuses.size() - 1; i >= 0; i--) {
        ContainerStatus container = statuses.get(i);
        restarts += count(container.getRestartCount());
        lastRestart = later(lastRestart, lastTermination(container));
        var state = container.getState();
        if (state != null && state.getWaiting() != null && notEmpty(state.getWaiting().getReason())) {
          reason = state.getWaiting().getReason();
        } else if (state != null && state.getTerminated() != null && notEmpty(state.getTerminated().getReason())) {
          reason = state.getTerminated().getReason();
        } else if (state != null && state.getTerminated() != null) {
          reason = count(state.getTerminated().getSignal()) != 0 ? "Signal:" + state.getTerminated().getSignal()
              : "ExitCode:" + state.getTerminated().getExitCode();
        } else if (Boolean.TRUE.equals(container.getReady()) && state != null && state.getRunning() != null) {
          hasRunning = true;
          ready++;
        }
      }
      // a pod whose containers are still running reports Running, not Completed
      if ("Completed".equals(reason) && hasRunning) {
        reason = hasCondition(status, "Ready") ? "Running" : "NotReady";
      }
    }

    boolean deleting = notEmpty(pod.getMetadata().getDeletionTimestamp());
    if (deleting && NODE_UNREACHABLE_POD_REASON.equals(status.getReason())) {
      reason = "Unknown";
    } else if (deleting && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
      reason = "Terminating";
    }
    return new Summary(reason, ready, total, restarts, lastRestart);
  }

  /** A finished pod's row is marked Completed, as the server does for Succeeded and Failed pods. */
  static JsonArray conditions(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase)) {
      return completed("Succeeded", "The pod has completed successfully.");
    } else if ("Failed".equals(phase)) {
      return completed("Failed", "The pod failed.");
    }
    return null;
  }

  private static JsonArray completed(String reason, String message) {
    return new JsonArray().add(new JsonObject().put("type", "Completed").put("status", "True")
        .put("reason", reason).put("message", message));
  }

  /** The server prints the internal pod, whose podIPs the v1 conversion fills from podIP when empty. */
  private static String podIp(PodStatus status) {
    if (!status.getPodIPs().isEmpty() && status.getPodIPs().get(0).getIp() != null) {
      return status.getPodIPs().get(0).getIp();
    }
    return status.getPodIP();
  }

  private static String readinessGates(PodSpec spec, PodStatus status) {
    if (spec.getReadinessGates().isEmpty()) {
      return "<none>";
    }
    int satisfied = 0;
    for (PodReadinessGate gate : spec.getReadinessGates()) {
      for (PodCondition condition : status.getConditions()) {
        if (condition.getType().equals(gate.getConditionType())) {
          if ("True".equals(condition.getStatus())) {
            satisfied++;
          }
          break;
        }
      }
    }
    return satisfied + "/" + spec.getReadinessGates().size();
  }

  private static boolean isRestartable(Container initContainer) {
    return initContainer != null && "Always".equals(initContainer.getRestartPolicy());
  }

  private static boolean hasCondition(PodStatus status, String type) {
    return status.getConditions().stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String lastTermination(ContainerStatus container) {
    var last = container.getLastState();
    return last == null || last.getTerminated() == null ? null : last.getTerminated().getFinishedAt();
  }

  private static String later(String a, String b) {
    if (!notEmpty(b)) {
      return a;
    }
    return a == null || Instant.parse(a).isBefore(Instant.parse(b)) ? b : a;
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  static String orNone(String s) {
    return notEmpty(s) ? s : "<none>";
  }
}
