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
      // The test kit deletes the broker's directories in a shutdown hook of its own, which runs beside this one:
      // the broker, stopping, would print a stack trace per file it can no longer write. Ctrl-C needs none.
      for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name)).setLevel(ch.qos.logback.classic.Level.OFF);
      }
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

  /**
   * A finished demo run; its cluster (and, on the daemon, the broker and the daemon) are still up until closed.
   * {@code daemon} is null for the one-shot demo.
   */
  public record Session(SimulatedCluster cluster, Path kubeconfig, int exitCode, boolean keepRunning,
                        DaemonDemo.Parts daemon) implements AutoCloseable {
    @Override
    public void close() {
      if (daemon != null) {
        daemon.close();
      }
      cluster.close();
    }
  }

  /** Runs the demo and returns with the cluster still up (null for --help). */
  public static Session start(DemoOptions o, PrintStream out, PrintStream err) {
    if (o.help()) {
      out.print(DemoOptions.USAGE);
      return null;
    }
    out.println("Takeover demo: the seed's manual takeover (§12.3) of " + o.node() + ", done by Takeover's "
        + (o.oneShot() ? "command line" : "daemon, from a ticket on Kafka,") + " against a simulated cluster");
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    long t0 = System.nanoTime();
    SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.realistic()).port(o.port())
        .requestHook(new KubectlFacade()).start();
    DaemonDemo.Parts parts = null;
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
          + " kube-node01, kube-node02%s%s%n", cluster.masterUrl(), (System.nanoTime() - t0) / 1e9,
          o.extraPods() > 0 ? "; Deployment web with " + o.extraPods() + " pods on " + o.node() : "",
          o.pdb() ? "; PodDisruptionBudget mysql (minAvailable 1)" : "");
      if (!o.oneShot()) {
        Path config = kubeconfig.resolveSibling("takeover.yaml");
        parts = DaemonDemo.start(cluster, kubeconfig, config, o.httpPort(), out);
      }
      out.println();
      Views.pods(cluster.client(), out);
      Views.claims(cluster.client(), out);

      int code = o.oneShot() ? oneShot(o, kubeconfig, out, err) : ticket(o, parts, out);
      out.println();
      Views.pods(cluster.client(), out);
      Views.claims(cluster.client(), out);
      out.printf(Locale.ROOT, "Demo finished in %.1f s, exit code %d.%n", (System.nanoTime() - t0) / 1e9, code);
      if (o.keepRunning()) {
        keptRunning(o, kubeconfig, parts, out);
      }
      return new Session(cluster, kubeconfig, code, o.keepRunning(), parts);
    } catch (RuntimeException e) {
      if (parts != null) {
        parts.close();
      }
      cluster.close();
      throw e;
    }
  }

  /** The seed's ticket on the tickets topic; the daemon's CloudEvents are printed as they come. */
  private static int ticket(DemoOptions o, DaemonDemo.Parts parts, PrintStream out) {
    String json = DaemonDemo.ticket(DaemonDemo.TICKET, o.node(), o.drainTimeout() == null ? null
        : dev.takeover.cli.Durations.parse(o.drainTimeout()).toString());
    String tickets = parts.daemon().config().kafka().topics().tickets();
    out.println("$ echo '" + json + "' | kcat -b " + parts.bootstrap() + " -t " + tickets + " -P -k " + o.node());
    DaemonDemo.publish(parts.bootstrap(), tickets, o.node(), json);
    out.println("Events on " + parts.daemon().config().kafka().topics().events() + " (CloudEvents, key " + DaemonDemo.TICKET
        + "), as they arrive:");
    String last;
    try {
      last = parts.follower().ending(DaemonDemo.TICKET).get(5, java.util.concurrent.TimeUnit.MINUTES);
    } catch (Exception e) {
      out.println("No end of " + DaemonDemo.TICKET + " within 5 minutes.");
      return 1;
    }
    return switch (last) {
      case "completed" -> 0;
      case "rejected" -> 3;
      default -> 1;
    };
  }

  private static int oneShot(DemoOptions o, Path kubeconfig, PrintStream out, PrintStream err) {
    List<String> args = new ArrayList<>(List.of("run", "--node", o.node()));
    if (o.drainTimeout() != null) {
      args.addAll(List.of("--drain-timeout", o.drainTimeout()));
    }
    out.println("$ java -jar target/takeover.jar " + String.join(" ", args));
    args.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--requester", "demo"));
    return Main.run(args.toArray(String[]::new), out, err);
  }

  private static void keptRunning(DemoOptions o, Path kubeconfig, DaemonDemo.Parts parts, PrintStream out) {
    String other = o.node().equals("kube-node01") ? "kube-node02" : "kube-node01";
    out.println();
    out.println("The simulated cluster keeps running" + (parts == null ? "" : ", with the broker and the daemon")
        + " (Ctrl-C stops it). From another terminal, in this directory:");
    out.println("  export KUBECONFIG=" + kubeconfig);
    out.println("  kubectl get nodes");
    out.println("  kubectl get pod -o wide");
    out.println("  kubectl get pvc,pv");
    out.println("  kubectl describe node " + o.node());
    if (parts != null) {
      String b = parts.bootstrap();
      var topics = parts.daemon().config().kafka().topics();
      out.println("Kafka at " + b + " (kcat is the Debian package kcat):");
      out.println("  kcat -b " + b + " -t " + topics.events() + " -C -o beginning -u -f '%k %s\\n'"
          + "      # follow the events");
      out.println("  echo '" + DaemonDemo.ticket("CHG-1043", other, null) + "' | kcat -b " + b + " -t "
          + topics.tickets() + " -P -k " + other + "      # moves mysql-0 back");
      out.println("  kcat -b " + b + " -t " + topics.deadLetters() + " -C -o beginning -e -f '%k %h %s\\n'"
          + "      # what was refused, and why");
      String url = "http://127.0.0.1:" + parts.daemon().daemon().httpPort();
      out.println("HTTP at " + url + " (API token " + DaemonDemo.API_TOKEN + "):");
      out.println("  curl -s -H 'Authorization: Bearer " + DaemonDemo.API_TOKEN + "' -d '"
          + DaemonDemo.ticket("CHG-1044", o.node(), null) + "' " + url + "/api/v1/tickets      # a ticket over HTTP");
      out.println("  curl -s -H 'Authorization: Bearer " + DaemonDemo.API_TOKEN + "' " + url
          + "/api/v1/tickets/CHG-1042      # its state and history");
      out.println("  curl -s -H 'Authorization: Bearer " + DaemonDemo.API_TOKEN + "' " + url + "/api/v1/nodes/"
          + other + "/plan      # what a run would do");
      out.println("  curl -s " + url + "/readyz; curl -s " + url + "/metrics | grep ^takeover_      # probes, metrics");
      out.println("  TS=$(date +%s); BODY='command=%2Ftakeover&text=plan+" + other + "&user_id=" + DaemonDemo.SLACK_USER
          + "&user_name=demo&channel_id=" + DaemonDemo.SLACK_CHANNEL + "&channel_name=demo&response_url='; curl -s"
          + " -H \"X-Slack-Request-Timestamp: $TS\" -H \"X-Slack-Signature: v0=$(printf 'v0:%s:%s' \"$TS\" \"$BODY\""
          + " | openssl dgst -sha256 -hmac " + DaemonDemo.SLACK_SECRET + " | sed 's/^.*= //')\" --data \"$BODY\" " + url
          + "/slack/commands      # a signed Slack command");
      out.println("  curl -s -H 'Authorization: Bearer " + DaemonDemo.API_TOKEN + "' -d '" + DaemonDemo.alert(other)
          + "' " + url + "/alertmanager      # an alert asks for a takeover");
      out.println("  The daemon's settings: " + parts.config());
    } else {
      out.println("  java -jar target/takeover.jar run --node " + other + "      # moves mysql-0 back");
    }
    out.println("  KUBECONFIG=" + kubeconfig + " mvn -B verify -Pe2e        # the scenario tests, against it");
  }
}
