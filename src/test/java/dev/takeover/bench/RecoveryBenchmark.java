package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.RecoveryConfig;
import dev.takeover.daemon.Daemon;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Issue 14's figures: from a node's death to mysql-0 Ready elsewhere, in automatic mode. The seed on the simulator
 * with {@link SimTiming#realistic()} (Lease renewed every 10 s, NotReady 50 s after the last renewal, NoExecute 5 s
 * later, pods start in about 1 s, pod GC at once), a real KRaft broker, the daemon as {@link Daemon#start} starts
 * it with {@code deadNodes.policy: automatic}, and a local Vert.x HTTP server as the fencing hook, answering 200
 * after {@code fenceDelay} (a BMC powering the node off). {@code cluster.stopNode("kube-node02")}, then everything
 * is timed from outside: a node and pod watch of the benchmark's own, and the CloudEvents on the events topic. The
 * out-of-service taint path and the force-delete path ({@code deadNodes.outOfServiceTaint: false}) run side by side,
 * each with its own cluster and daemon. About 3 minutes:
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -q -o -Pbench test-compile exec:java -Dbench.main=dev.takeover.bench.RecoveryBenchmark \
 *     [-Dexec.args="grace=PT1M recoverAfter=PT2M30S fenceDelay=PT2S paths=taint,force volume=hostPath"]
 * </pre>
 * The production defaults are {@code deadNodes.grace} PT5M and {@code recoverAfter} PT10M; they only move when the
 * recover ticket is published (at the later of recoverAfter after the last renewal and node.down), so the run's
 * remainder is added to that: the benchmark prints the total they would give.
 * recoverAfter PT2M30S rather than PT2M so that, as with the production defaults, node.down comes first and
 * recoverAfter decides when the ticket goes (with PT2M the two fall together, about 120 s after the last renewal).
 * {@code volume=csi} makes pv1 a CSI volume (attached to one node at a time; 7.5 min with the force path).
 * <p>Two runs (first / second), defaults, on a 2-CPU machine, load average 0.0 / 0.6 (a run with recoverAfter PT2M
 * at load 6 gave the same parts within 0.3 s). Seconds; the taint and force paths gave the same figures within 0.1 s
 * but for the taint step:
 * <pre>
 * last renewal -> node NotReady (node-monitor-grace 50 s)      50.1 / 50.1
 * NotReady -> node.down (grace 60 s + next look, every 15 s)    72.5 / 72.3
 * last renewal -> recover ticket accepted (recoverAfter 150 s) 150.2 / 150.1  (node.down + 27.5 / 27.7)
 * accepted -> run started                                        0.0 / 0.0
 * plan                                                           0.1 / 0.1
 * fence (hook answers after 2 s)                                 2.0 / 2.1
 * taint: out-of-service, pod GC deletes mysql-0                  0.2 / 0.2  (force delete: 0.2 / 0.1)
 * confirm: new mysql-0 created 0.1, scheduled 0.1, Ready 1.1     1.3 / 1.2
 * TOTAL stopNode -> mysql-0 Ready on kube-node01               150.8 / 151.0  (the stop was 3.0 / 2.8 s after the
 * TOTAL last renewal -> mysql-0 Ready                          153.8 / 153.8   last renewal)
 * of which ticket accepted -> Ready                              3.7 / 3.7
 * with the production defaults (grace PT5M, recoverAfter PT10M): 603.8 s after the last renewal (10.1 min)
 * pv1 CSI (grace PT10S, recoverAfter PT30S): taint path accepted -> Ready 7.0 s (detached at once, attached 3 s
 *   later); force path 367.0 s (the attach-detach controller's maxWaitForUnmount, 6 min): 16.1 min with production
 *   defaults
 * </pre>
 * The simulator's pod GC deletes at once (the recorded cluster: about 4 s after the taint) and its pods start in
 * 1 s; a real mysql-0 takes its image pull, InnoDB's crash recovery and its readiness probe.
 */
public final class RecoveryBenchmark {
  static final String NODE = "kube-node02";
  static final String TARGET = "kube-node01";
  // The mock server's request log, held so that the setting is not collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  /** The settings of a run, from {@code key=value} arguments. */
  record Settings(Duration grace, Duration recoverAfter, Duration fenceDelay, List<String> paths, String volume) {
    static Settings parse(String[] args) {
      Map<String, String> given = new LinkedHashMap<>(Map.of("grace", "PT1M", "recoverAfter", "PT2M30S",
          "fenceDelay", "PT2S", "paths", "taint,force", "volume", "hostPath"));
      for (String a : args) {
        String[] kv = a.split("=", 2);
        if (kv.length != 2 || !given.containsKey(kv[0])) {
          throw new IllegalArgumentException("not a setting: '" + a
              + "' (grace=, recoverAfter=, fenceDelay=, paths=, volume=)");
        }
        given.put(kv[0], kv[1]);
      }
      List<String> paths = List.of(given.get("paths").split(","));
      if (paths.isEmpty() || !List.of("taint", "force").containsAll(paths)) {
        throw new IllegalArgumentException("paths: taint, force or both, not '" + given.get("paths") + "'");
      }
      if (!List.of("hostPath", "csi").contains(given.get("volume"))) {
        throw new IllegalArgumentException("volume: hostPath or csi, not '" + given.get("volume") + "'");
      }
      return new Settings(Duration.parse(given.get("grace")), Duration.parse(given.get("recoverAfter")),
          Duration.parse(given.get("fenceDelay")), paths, given.get("volume"));
    }

    /** How long a run may take: the force path of a CSI volume waits the 6 min of maxWaitForUnmount. */
    Duration bound() {
      return grace.plus(recoverAfter).plusMinutes(volume.equals("csi") ? 12 : 5);
    }
  }

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Settings s;
    try {
      s = Settings.parse(args);
    } catch (RuntimeException e) {
      System.err.println("RecoveryBenchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + load());
    System.out.println("settings: deadNodes.grace " + s.grace() + ", deadNodes.recoverAfter " + s.recoverAfter()
        + " (production defaults PT5M, PT10M), fencing hook answers after " + s.fenceDelay()
        + ", podGcWait PT1M; simulator timing realistic; pv1 " + s.volume() + "; paths "
        + String.join(", ", s.paths()));
    long began = System.nanoTime();
    KafkaClusterTestKit broker = TestBroker.start();
    boolean ok = true;
    try {
      List<CompletableFuture<String>> runs = new ArrayList<>();
      for (String path : s.paths()) {
        runs.add(CompletableFuture.supplyAsync(() -> run(s, broker.bootstrapServers(), path.equals("taint"))));
      }
      for (CompletableFuture<String> r : runs) {
        String report = r.get(s.bound().plusMinutes(3).toSeconds(), TimeUnit.SECONDS);
        ok &= !report.contains("NOT RECOVERED");
        System.out.println(report);
      }
    } finally {
      broker.close();
    }
    System.out.printf(Locale.ROOT, "done in %.0f s; %s%n", (System.nanoTime() - began) / 1e9, load());
    System.exit(ok ? 0 : 1);
  }

  /** One recovery on a cluster and daemon of its own; its report. */
  static String run(Settings s, String bootstrap, boolean taint) {
    Vertx vertx = Vertx.vertx();
    try (SimulatedCluster cluster = cluster(s.volume())) {
      KubernetesClient k = cluster.client();
      RecoveryTimeline[] timeline = new RecoveryTimeline[1];
      HttpServer hook = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
        timeline[0].mark("fence called", Instant.now());
        vertx.setTimer(Math.max(1, s.fenceDelay().toMillis()), t -> req.response().setStatusCode(200)
            .end(NODE + " is off").onSuccess(x -> timeline[0].mark("fence answered", Instant.now())));
      })).listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);

      String prefix = "recbench-" + UUID.randomUUID().toString().substring(0, 8);
      RecoveryConfig recovery = RecoveryConfig.defaults().withDefaultPolicy(RecoveryConfig.Policy.AUTOMATIC)
          .withRecoverAfter(s.recoverAfter()).withOutOfServiceTaint(taint);
      DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
          new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
          prefix, 3, (short) -1), EngineConfig.defaults(), new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)),
          "bench").withDeadNodes(new DaemonConfig.DeadNodes(s.grace(), recovery, new DaemonConfig.Fencing(
          "http://127.0.0.1:" + hook.actualPort() + "/fence", "bench-token", List.of(), Duration.ofMinutes(2))));
      Kube kube = Kube.connect(vertx, k.getConfiguration(), config.engine().kubeWorkers(), "takeover-bench");
      Daemon daemon = Daemon.start(vertx, config, kube, Clock.systemUTC()).await(120, TimeUnit.SECONDS);
      dev.takeover.sim.Await.await("mysql-0 Ready on " + NODE, Duration.ofSeconds(60), () -> ready(k, NODE));
      String oldUid = k.pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
      try (RecoveryTimeline t = new RecoveryTimeline(k, bootstrap, config.kafka().topics().events(), NODE, TARGET,
          oldUid)) {
        timeline[0] = t;
        Instant renewBefore = renewTime(k);
        Instant stop = Instant.now();
        cluster.stopNode(NODE);
        boolean recovered = t.awaitRecovered(s.bound());
        // Read once the node is stopped: a renewal may have slipped in between the read above and the stop.
        Instant renew = renewTime(k);
        String report = RecoveryReport.format(s, taint, t, stop, renewBefore, renew);
        return recovered ? report : report + "\n  NOT RECOVERED: " + t.outcome();
      } finally {
        daemon.stop().await(30, TimeUnit.SECONDS);
        kube.close();
      }
    } catch (Exception e) {
      return "path " + (taint ? "taint" : "force") + ": NOT RECOVERED, the run broke: " + e;
    } finally {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.out.println("  (vert.x did not close: " + e + ")");
      }
    }
  }

  /**
   * The seed (pv1 a hostPath volume: nothing to attach), or its shape with pv1 a CSI volume (an EBS disk: attached
   * to one node at a time; the attach-detach controller lets go of a dead node's after 6 min, or at once with the
   * out-of-service taint).
   */
  private static SimulatedCluster cluster(String volume) {
    if (volume.equals("hostPath")) {
      return Seed.cluster(SimTiming.realistic());
    }
    SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.realistic()).start();
    try {
      cluster.scenario().node("kube-master").controlPlane().node(TARGET).node(NODE)
          .pv("pv1", "1Gi", "standard", v -> v.csi("ebs.csi.aws.com", "vol-0a1b2c3d4e5f"))
          .headlessService("default", "mysql", 3306)
          .statefulSet("default", "mysql", st -> st.image("mysql:5.7").claimTemplate("pvc", "standard", "1Gi")
              .mount("pvc", "/var/lib/mysql").placeOn(NODE))
          .apply();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private static boolean ready(KubernetesClient k, String on) {
    var pod = k.pods().inNamespace("default").withName("mysql-0").get();
    return pod != null && on.equals(pod.getSpec().getNodeName()) && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
        && "True".equals(c.getStatus()));
  }

  private static Instant renewTime(KubernetesClient k) {
    Lease lease = k.leases().inNamespace("kube-node-lease").withName(NODE).get();
    return lease.getSpec().getRenewTime().toInstant();
  }

  static String load() {
    try {
      String[] avg = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return "load average " + avg[0] + " " + avg[1] + " " + avg[2];
    } catch (java.io.IOException e) {
      return "load average unknown";
    }
  }
}
