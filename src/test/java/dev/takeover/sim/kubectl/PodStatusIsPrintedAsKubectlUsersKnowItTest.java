package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** READY, STATUS and RESTARTS of a pod, following printPod of the API server, case by case. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PodStatusIsPrintedAsKubectlUsersKnowItTest {
  static final Instant NOW = Instant.parse("2026-11-25T09:00:00Z");
  static final String CREATED = "2026-11-25T08:50:00Z";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a pod not yet scheduled is Pending", pod(p -> p.withNewStatus().withPhase("Pending").endStatus()),
            "0/1", "Pending", "0"),
        Arguments.of("a running pod with its container ready is Running 1/1", pod(p -> p.withNewStatus()
            .withPhase("Running").addToContainerStatuses(running(true)).endStatus()), "1/1", "Running", "0"),
        Arguments.of("a running pod whose container is not ready is Running 0/1", pod(p -> p.withNewStatus()
            .withPhase("Running").addToContainerStatuses(running(false)).endStatus()), "0/1", "Running", "0"),
        Arguments.of("a container being created shows ContainerCreating", pod(p -> p.withNewStatus()
            .withPhase("Pending").addToContainerStatuses(waiting("ContainerCreating")).endStatus()),
            "0/1", "ContainerCreating", "0"),
        Arguments.of("a crashing container shows CrashLoopBackOff and when it last restarted", pod(p -> p
            .withNewStatus().withPhase("Running").addToContainerStatuses(new ContainerStatusBuilder(
                waiting("CrashLoopBackOff")).withRestartCount(5).withNewLastState().withNewTerminated()
                .withExitCode(1).withReason("Error").withFinishedAt("2026-11-25T08:58:00Z").endTerminated()
                .endLastState().build()).endStatus()), "0/1", "CrashLoopBackOff", "5 (2m ago)"),
        Arguments.of("a pod whose container exited 0 is Completed", pod(p -> p.withNewStatus().withPhase("Succeeded")
            .addToContainerStatuses(terminated(0, "Completed")).endStatus()), "0/1", "Completed", "0"),
        Arguments.of("a container that failed without a reason shows its exit code", pod(p -> p.withNewStatus()
            .withPhase("Failed").addToContainerStatuses(terminated(137, null)).endStatus()),
            "0/1", "ExitCode:137", "0"),
        Arguments.of("a pod being deleted is Terminating while it still runs", pod(p -> p.editMetadata()
            .withDeletionTimestamp("2026-11-25T09:00:30Z").endMetadata().withNewStatus().withPhase("Running")
            .addToContainerStatuses(running(true)).endStatus()), "1/1", "Terminating", "0"),
        Arguments.of("a finished pod being deleted keeps its reason", pod(p -> p.editMetadata()
            .withDeletionTimestamp("2026-11-25T09:00:30Z").endMetadata().withNewStatus().withPhase("Succeeded")
            .addToContainerStatuses(terminated(0, "Completed")).endStatus()), "0/1", "Completed", "0"),
        Arguments.of("a pod of a lost node being deleted is Unknown", pod(p -> p.editMetadata()
            .withDeletionTimestamp("2026-11-25T09:00:30Z").endMetadata().withNewStatus().withPhase("Running")
            .withReason("NodeLost").addToContainerStatuses(running(true)).endStatus()), "1/1", "Unknown", "0"),
        Arguments.of("a pod the kubelet evicted shows Evicted", pod(p -> p.withNewStatus().withPhase("Failed")
            .withReason("Evicted").endStatus()), "0/1", "Evicted", "0"),
        Arguments.of("a pod waiting for its scheduling gates shows SchedulingGated", pod(p -> p.withNewStatus()
            .withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
            .withReason("SchedulingGated").endCondition().endStatus()), "0/1", "SchedulingGated", "0"),
        Arguments.of("an init container still running shows Init:0/1", withInit(false, s -> s.withNewStatus()
            .withPhase("Pending").addToInitContainerStatuses(init(running(false))).addToContainerStatuses(
                waiting("PodInitializing")).endStatus()), "0/1", "Init:0/1", "0"),
        Arguments.of("a crashing init container shows Init:CrashLoopBackOff", withInit(false, s -> s.withNewStatus()
            .withPhase("Pending").addToInitContainerStatuses(new ContainerStatusBuilder(init(waiting("CrashLoopBackOff")))
                .withRestartCount(3).build()).endStatus()), "0/1", "Init:CrashLoopBackOff", "3"),
        Arguments.of("a started sidecar counts as a ready container of the pod", withInit(true, s -> s.withNewStatus()
            .withPhase("Running").addToInitContainerStatuses(new ContainerStatusBuilder(init(running(true)))
                .withStarted(true).build()).addToContainerStatuses(running(true)).addNewCondition()
            .withType("Initialized").withStatus("True").endCondition().endStatus()), "2/2", "Running", "0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void ready_status_and_restarts(String sentence, Pod pod, String ready, String status, String restarts) {
    List<Object> cells = PodPrinter.cells(pod, NOW);

    assertEquals(List.of("mysql-0", ready, status, restarts, "10m"), cells.subList(0, 5), sentence);
  }

  @Test
  void a_finished_pods_row_is_marked_completed_and_a_running_one_is_not() {
    Pod done = pod(p -> p.withNewStatus().withPhase("Succeeded").endStatus());
    Pod failed = pod(p -> p.withNewStatus().withPhase("Failed").endStatus());
    Pod running = pod(p -> p.withNewStatus().withPhase("Running").endStatus());

    assertEquals("{\"type\":\"Completed\",\"status\":\"True\",\"reason\":\"Succeeded\","
        + "\"message\":\"The pod has completed successfully.\"}", PodPrinter.conditions(done).getJsonObject(0).encode());
    assertEquals("Failed", PodPrinter.conditions(failed).getJsonObject(0).getString("reason"));
    assertNull(PodPrinter.conditions(running));
  }

  @Test
  void wide_cells_show_ip_node_and_how_many_readiness_gates_are_met() {
    Pod pod = pod(p -> p.editSpec().withNodeName("kube-node01").addNewReadinessGate().withConditionType("a")
        .endReadinessGate().addNewReadinessGate().withConditionType("b").endReadinessGate().endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.244.2.6").withNominatedNodeName("kube-node02")
        .addNewCondition().withType("a").withStatus("True").endCondition()
        .addNewCondition().withType("b").withStatus("False").endCondition().endStatus());

    assertEquals(List.of("10.244.2.6", "kube-node01", "kube-node02", "1/2"), PodPrinter.cells(pod, NOW).subList(5, 9));
  }

  private static Pod pod(UnaryOperator<PodBuilder> status) {
    return status.apply(new PodBuilder().withNewMetadata().withName("mysql-0").withNamespace("default")
        .withCreationTimestamp(CREATED).endMetadata()
        .withNewSpec().addNewContainer().withName("mysql").withImage("mysql:5.7").endContainer().endSpec()).build();
  }

  private static Pod withInit(boolean sidecar, UnaryOperator<PodBuilder> status) {
    return pod(p -> status.apply(p.editSpec().addNewInitContainer().withName("init").withImage("busybox")
        .withRestartPolicy(sidecar ? "Always" : null).endInitContainer().endSpec()));
  }

  /** The same status, of the init container. */
  private static ContainerStatus init(ContainerStatus status) {
    return new ContainerStatusBuilder(status).withName("init").build();
  }

  private static ContainerStatus running(boolean ready) {
    return new ContainerStatusBuilder().withName("mysql").withReady(ready).withRestartCount(0)
        .withNewState().withNewRunning().withStartedAt(CREATED).endRunning().endState().build();
  }

  private static ContainerStatus waiting(String reason) {
    return new ContainerStatusBuilder().withName("mysql").withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason(reason).endWaiting().endState().build();
  }

  private static ContainerStatus terminated(int exitCode, String reason) {
    return new ContainerStatusBuilder().withName("mysql").withReady(false).withRestartCount(0)
        .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason).endTerminated().endState()
        .build();
  }
}
