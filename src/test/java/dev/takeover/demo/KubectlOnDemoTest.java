package dev.takeover.demo;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stock kubectl reading the demo's kept cluster, as the README tells a newcomer to do. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KubectlOnDemoTest {
  @TempDir
  Path dir;

  static Path kubectl() {
    for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(p, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private String kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(kubectl().toString(), "--request-timeout=20s"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    byte[] bytes = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " did not finish");
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "kubectl " + String.join(" ", args) + ":\n" + text);
    return text;
  }

  @Test
  void kubectl_finds_mysql_0_on_kube_node01_and_the_takeover_events_on_kube_node02() throws Exception {
    Assumptions.assumeTrue(kubectl() != null, "kubectl not on PATH: skipping the kubectl checks of the demo cluster");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Demo.Session session = Demo.start(DemoOptions.parse(List.of("--keep-running", "--kubeconfig",
        dir.resolve("kubeconfig").toString())), new PrintStream(out, true, StandardCharsets.UTF_8), System.err)) {
      assertEquals(0, session.exitCode(), out.toString(StandardCharsets.UTF_8));
      String pods = kubectl(session.kubeconfig(), "get", "pod", "-o", "wide");
      assertTrue(pods.lines().anyMatch(l -> l.startsWith("mysql-0") && l.contains("Running") && l.contains("kube-node01")),
          pods);
      String nodes = kubectl(session.kubeconfig(), "get", "nodes");
      assertTrue(nodes.lines().anyMatch(l -> l.startsWith("kube-node02") && l.contains(" Ready ")), nodes);
      String claims = kubectl(session.kubeconfig(), "get", "pvc,pv");
      assertTrue(claims.lines().anyMatch(l -> l.contains("pvc-mysql-0") && l.contains("Bound") && l.contains("pv1")), claims);
      String described = kubectl(session.kubeconfig(), "describe", "node", "kube-node02");
      for (String reason : List.of("TakeoverCordoned", "TakeoverPodEvicted", "TakeoverPodConfirmed", "TakeoverUncordoned")) {
        assertTrue(described.contains(reason), reason + " in:\n" + described);
      }
    }
  }
}
