package dev.takeover.demo;

import dev.takeover.Main;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.kubectl.KubectlFacade;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The README's first command: the seed's cluster, simulated in this process behind a real HTTP API server, and the
 * production engine (the same {@link Main} as target/takeover.jar) taking over kube-node02 through that API.
 * Test code, run from the test classpath by the demo profile: nothing here is in the production jar.
 */
public final class Demo {
  // The mock server logs every request through java.util.logging; held here so the setting is not collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private Demo() {}

  public static void main(String[] args) {
    Session session;
    try {
      session = start(DemoOptions.parse(List.of(args)), System.out, System.err);
    } catch (IllegalArgumentException e) {
      System.err.println("demo: " + e.getMessage());
      System.err.println("Run with -Ddemo.args=--help for the options.");
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      // One line, and exit: under mvn exec:java a thread left behind would keep the build waiting.
      System.err.println("demo: " + e.getMessage());
      System.exit(1);
      return;
    }
    if (session == null) {
      System.exit(0);
      return;
    }
    if (!session.keepRunning()) {
      session.close();
      System.exit(session.exitCode());
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      session.close();
      System.out.println("Simulated cluster stopped.");
      stopped.countDown();
    }, "demo-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A finished demo run; its cluster is still up until closed. */
  public record Session(SimulatedCluster cluster, Path kubeconfig, int exitCode, boolean keepRunning)
      implements AutoCloseable {
    @Override
    public void close() {
      cluster.close();
    }
  }

  /** Runs the demo and returns with the cluster still up (null for --help). */
  public static Session start(DemoOptions o, PrintStream out, PrintStream err) {
    if (o.help()) {
      out.print(DemoOptions.USAGE);
      return null;
    }
    out.println("Takeover demo: the seed's manual takeover (§12.3) of " + o.node()
        + ", done by Takeover's engine against a simulated cluster");
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    long t0 = System.nanoTime();
    SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.realistic()).port(o.port())
        .requestHook(new KubectlFacade()).start();
    try {
      Seed.apply(cluster);
      if (o.extraPods() > 0) {
        cluster.scenario().deployment("default", "web", d -> d.replicas(o.extraPods()).placeOn(o.node())).apply();
      }
      if (o.pdb()) {
        cluster.scenario().pdb("default", "mysql", b -> b.minAvailable(1).selector("app", "mysql-sts")).apply();
      }
      cluster.awaitSettled(Duration.ofSeconds(60));
      Path kubeconfig = cluster.writeKubeconfig(o.kubeconfig().toAbsolutePath());
      out.printf(Locale.ROOT, "Simulated cluster (Kubernetes API v1.32) at %s, up in %.1f s: kube-master (control plane),"
          + " kube-node01, kube-node02%s%s%n%n", cluster.masterUrl(), (System.nanoTime() - t0) / 1e9,
          o.extraPods() > 0 ? "; Deployment web with " + o.extraPods() + " pods on " + o.node() : "",
          o.pdb() ? "; PodDisruptionBudget mysql (minAvailable 1)" : "");
      Views.pods(cluster.client(), out);
      Views.claims(cluster.client(), out);

      List<String> args = new ArrayList<>(List.of("run", "--node", o.node()));
      if (o.drainTimeout() != null) {
        args.addAll(List.of("--drain-timeout", o.drainTimeout()));
      }
      out.println("$ java -jar target/takeover.jar " + String.join(" ", args));
      args.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--requester", "demo"));
      int code = Main.run(args.toArray(String[]::new), out, err);
      out.println();

      Views.pods(cluster.client(), out);
      Views.claims(cluster.client(), out);
      out.printf(Locale.ROOT, "Demo finished in %.1f s, exit code %d.%n", (System.nanoTime() - t0) / 1e9, code);
      if (o.keepRunning()) {
        String other = o.node().equals("kube-node01") ? "kube-node02" : "kube-node01";
        out.println();
        out.println("The simulated cluster keeps running (Ctrl-C stops it). From another terminal, in this directory:");
        out.println("  export KUBECONFIG=" + kubeconfig);
        out.println("  kubectl get nodes");
        out.println("  kubectl get pod -o wide");
        out.println("  kubectl get pvc,pv");
        out.println("  kubectl describe node " + o.node());
        out.println("  java -jar target/takeover.jar run --node " + other + "      # moves mysql-0 back");
        out.println("  KUBECONFIG=" + kubeconfig + " mvn -B verify -Pe2e        # the scenario tests, against it");
      }
      return new Session(cluster, kubeconfig, code, o.keepRunning());
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }
}
