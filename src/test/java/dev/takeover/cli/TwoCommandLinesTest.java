package dev.takeover.cli;

import dev.takeover.Main;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code takeover run} on one node, as two operators at two terminals: the second refuses at once, names the first
 * (user, host, pid) and touches nothing; the first goes on to the end.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TwoCommandLinesTest {
  @TempDir
  Path dir;

  record Ran(int code, String out) {}

  private static Ran run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return new Ran(code, out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void a_second_takeover_run_on_a_node_being_taken_over_refuses_and_names_the_first() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      String kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig")).toString();
      String node = cluster.client().pods().inNamespace("default").withName("mysql-0").get().getSpec().getNodeName();
      // The first run is held in its drain by a budget that allows no disruption of mysql-0.
      cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").resource(new PodDisruptionBudgetBuilder()
          .withNewMetadata().withName("hold").endMetadata().withNewSpec().withMinAvailable(new IntOrString(1))
          .withNewSelector().addToMatchLabels("app", "mysql-sts").endSelector().endSpec().build()).create();
      CompletableFuture<Ran> first = CompletableFuture.supplyAsync(() -> run("run", "--node", node, "--kubeconfig",
          kubeconfig, "--drain-timeout", "PT2M"));
      Await.await("the first run's cordon", Duration.ofSeconds(60), () -> Boolean.TRUE.equals(
          cluster.client().nodes().withName(node).get().getSpec().getUnschedulable()));
      String firstRun = cluster.client().nodes().withName(node).get().getMetadata().getAnnotations()
          .get("takeover.dev/run");

      Ran second = run("run", "--node", node, "--kubeconfig", kubeconfig);

      assertEquals(OneShot.REFUSED, second.code(), second.out());
      assertTrue(second.out().contains("node " + node + " is held by takeover-cli "
          + System.getProperty("user.name") + "@"), second.out());
      assertTrue(second.out().matches("(?s).* pid " + ProcessHandle.current().pid() + "/[0-9a-f]{4} \\(" + firstRun
          + "\\).*"), second.out());
      assertEquals(firstRun, cluster.client().nodes().withName(node).get().getMetadata().getAnnotations()
          .get("takeover.dev/run"), "the second wrote nothing on the node");

      cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").withName("hold").delete();
      Ran done = first.get(120, TimeUnit.SECONDS);
      assertEquals(OneShot.OK, done.code(), done.out());
    }
  }
}
