package dev.takeover.bench;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.SimController;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.scenario.Scenario;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The daemon's figures (issue 12, "Benchmarks"): a real KRaft broker, the simulated cluster and the daemon
 * ({@code Daemon.start}, production defaults but the limit), all in this one JVM. Figures, not a test; exits 1 only
 * when more nodes than {@code maxNodesInMaintenance} were ever seen cordoned at once. 5 to 7 minutes:
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -q -Pbench test-compile exec:java -Dbench.main=dev.takeover.bench.DaemonBenchmark \
 *     [-Dexec.args="footprint latency deadletters limit"]
 * </pre>
 * exec:java runs in Maven's JVM: without {@code -Xmx} the heap may grow to a quarter of the machine's memory, and
 * RSS then shows the collector's appetite rather than the daemon's.
 * <ol>
 *   <li><b>footprint</b>: RSS and heap after GC on a cluster of 1,000 empty nodes: the JVM before anything, with
 *   the broker, with the simulator (its share is measured before the daemon starts), the daemon idle, and the
 *   daemon while 50 takeovers run; the process's CPU over 20 s idle: the simulator alone, with the daemon, and
 *   with the daemon re-listing every 5 minutes instead of 5 s (its cluster watch lists every node each time).</li>
 *   <li><b>latency</b>: from a ticket published (before the producer's send) to its node seen cordoned by a node
 *   watch of the benchmark's own; 200 sequential takeovers of 20 empty nodes, after 10 not counted (warm-up).</li>
 *   <li><b>deadletters</b>: 10,000 bad records of 5 kinds (not JSON, schema, unknown node, window over, control
 *   plane), from the first sent to the 10,000th dead letter read.</li>
 *   <li><b>limit</b>: 100 takeover tickets for 100 nodes (one Deployment pod each, 300 ms to go, 200 ms to start
 *   elsewhere) with maxNodesInMaintenance 5: total time, and the most nodes cordoned at once.</li>
 * </ol>
 * Two runs (first / second) on a 2-CPU machine shared with other builds (load average 10 to 22), so the times are
 * pessimistic; CPU time and heap are less sensitive to the load:
 * <pre>
 * footprint   heap after GC: broker +24 / +45 MB, simulator (1,000 nodes) +29 / +25 MB, daemon idle +5 / +6 MB,
 *             after 50 takeovers +18 / +20 MB over the simulator; peak heap in use 427 / 442 MB (before GC);
 *             peak RSS +189 / +127 MB over the simulator's (RSS moves with the collector, by 100 MB either way)
 *             one list of every node: 97 / 107 ms median, 2.1 MB of JSON
 *             CPU idle, % of one CPU: simulator 11.5 / 9.0; with the daemon 30.6 / 24.1 (re-list 5 s),
 *             12.6 / 11.7 (re-list 5 min): listing 1,000 nodes every 5 s costs 13-18 % of a CPU (both sides)
 *             50 takeovers with limit 5: 39.0 / 24.6 s, at most 3 nodes cordoned at once (plan and cordon go
 *             one run at a time, and each plan lists every node)
 * latency     p50 110 / 75 ms, p99 327 / 240 ms (min 46 / 37, max 511 / 341)
 * deadletters 153 / 177 records/s (10,000 in 65.2 / 56.5 s); 83 records/s before the state and dead-letter
 *             producers were given linger.ms 0
 * limit       46.1 / 38.7 s for 100 nodes; most cordoned at once 5 / 5 (limit 5)
 * </pre>
 */
public final class DaemonBenchmark {
  private static final int LIMIT = 5;
  private static final Duration RUN_BOUND = Duration.ofSeconds(60);
  // The mock server logs every request through java.util.logging; held here so the setting is not collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Set<String> which = new LinkedHashSet<>(args.length > 0 ? Arrays.asList(args)
        : List.of("footprint", "latency", "deadletters", "limit"));
    boolean exceeded = false;
    Footprint start = Footprint.now();
    long began = System.nanoTime();
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + load()
        + "; max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
    KafkaClusterTestKit broker = TestBroker.start();
    try {
      String bootstrap = broker.bootstrapServers();
      if (which.contains("footprint")) {
        FootprintFigure.run(start, bootstrap);
      }
      if (which.contains("latency") || which.contains("deadletters")) {
        try (SimulatedCluster sim = cluster(20, SimTiming.fast())) {
          if (which.contains("latency")) {
            latency(bootstrap, sim);
          }
          if (which.contains("deadletters")) {
            deadLetters(bootstrap, sim);
          }
        }
      }
      if (which.contains("limit")) {
        exceeded = limit(bootstrap);
      }
    } finally {
      broker.close();
    }
    System.out.printf(Locale.ROOT, "done in %.0f s; %s%n", (System.nanoTime() - began) / 1e9, load());
    System.exit(exceeded ? 1 : 0);
  }

  /** Other work on the machine slows every figure but the CPU ones: printed with them. */
  private static String load() {
    try {
      String[] avg = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return "load average " + avg[0] + " " + avg[1] + " " + avg[2];
    } catch (java.io.IOException e) {
      return "load average unknown";
    }
  }

  private static void latency(String bootstrap, SimulatedCluster sim) throws Exception {
    System.out.println("== latency: ticket published -> node cordoned, 200 sequential takeovers on 20 empty nodes");
    try (BenchDaemon d = new BenchDaemon(bootstrap, sim, 1); CordonWatch watch = new CordonWatch(sim.client())) {
      int warmUp = 10;
      double[] ms = new double[200];
      long t0 = System.nanoTime();
      for (int i = 0; i < warmUp + ms.length; i++) {
        String node = node(i % 20);
        String id = "lat-" + i;
        long published = System.nanoTime();
        d.publish(node, BenchDaemon.ticket(id, "takeover", node));
        long cordoned = watch.awaitCordonAfter(node, published, RUN_BOUND);
        if (i >= warmUp) {
          ms[i - warmUp] = (cordoned - published) / 1e6;
        }
        d.awaitEnd(id, RUN_BOUND);
      }
      double total = (System.nanoTime() - t0) / 1e9;
      Arrays.sort(ms);
      System.out.printf(Locale.ROOT, "  p50 %.0f ms, p99 %.0f ms (min %.0f, max %.0f); %d takeovers in %.1f s%n",
          pct(ms, 50), pct(ms, 99), ms[0], ms[ms.length - 1], warmUp + ms.length, total);
    }
  }

  private static void deadLetters(String bootstrap, SimulatedCluster sim) throws Exception {
    int n = 10_000;
    System.out.println("== dead letters: " + n + " bad records");
    Random random = new Random(12);
    try (BenchDaemon d = new BenchDaemon(bootstrap, sim, 1)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        String id = "bad-" + i;
        byte[] value = switch (i % 5) {
          case 0 -> {
            byte[] junk = new byte[200];
            random.nextBytes(junk);
            yield junk;
          }
          case 1 -> BenchDaemon.ticket(id, "reboot", "node-0000").getBytes(StandardCharsets.UTF_8);
          case 2 -> BenchDaemon.ticket(id, "plan", "node-9999").getBytes(StandardCharsets.UTF_8);
          case 3 -> ("{\"id\":\"" + id + "\",\"action\":\"plan\",\"node\":\"node-0001\",\"window\":{\"end\":"
              + "\"2020-01-01T00:00:00Z\"}}").getBytes(StandardCharsets.UTF_8);
          default -> BenchDaemon.ticket(id, "plan", "kube-master").getBytes(StandardCharsets.UTF_8);
        };
        String key = switch (i % 5) {
          case 2 -> "node-9999";
          case 3 -> "node-0001";
          case 4 -> "kube-master";
          default -> "node-0000";
        };
        d.send(key, value);
      }
      d.flush();
      double sent = (System.nanoTime() - t0) / 1e9;
      long last = d.awaitDeadLetters(bootstrap, n, Duration.ofMinutes(4));
      double took = (last - t0) / 1e9;
      System.out.printf(Locale.ROOT, "  %d dead letters in %.1f s: %.0f records/s (all sent in %.1f s)%n", n, took,
          n / took, sent);
    }
  }

  private static boolean limit(String bootstrap) throws Exception {
    System.out.println("== limit: 100 takeovers of 100 nodes, maxNodesInMaintenance " + LIMIT);
    // Real enough that runs overlap: each node's pod takes 300 ms to go, its replacement 200 ms to start.
    SimTiming timing = new SimTiming(Duration.ofMillis(200), Duration.ofMillis(300));
    try (SimulatedCluster sim = cluster(100, timing, s -> s.deployment("default", "web", w -> w.replicas(100)));
         CordonWatch watch = new CordonWatch(sim.client());
         BenchDaemon d = new BenchDaemon(bootstrap, sim, LIMIT)) {
      watch.resetMost();
      long t0 = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        ids.add("lim-" + i);
        d.send(node(i), BenchDaemon.ticket("lim-" + i, "takeover", node(i)).getBytes(StandardCharsets.UTF_8));
      }
      d.flush();
      for (String id : ids) {
        d.awaitEnd(id, Duration.ofMinutes(5));
      }
      double took = (System.nanoTime() - t0) / 1e9;
      int most = watch.most();
      System.out.printf(Locale.ROOT, "  total %.1f s (%.2f s a node); most nodes cordoned at once: %d (limit %d)%s%n",
          took, took / 100, most, LIMIT, most > LIMIT ? "  LIMIT EXCEEDED" : "");
      return most > LIMIT;
    }
  }

  static SimulatedCluster cluster(int nodes, SimTiming timing, SimController... without) {
    return cluster(nodes, timing, s -> s, without);
  }

  /** kube-master (control plane) and {@code nodes} workers node-0000…, plus what {@code more} adds; settled. */
  private static SimulatedCluster cluster(int nodes, SimTiming timing, java.util.function.UnaryOperator<Scenario> more,
                                          SimController... without) {
    SimulatedCluster sim = SimulatedCluster.builder().timing(timing).without(without).start();
    try {
      sim.scenario().node("kube-master").controlPlane().apply();
      // In batches: a scenario must be applied within 30 s, and 1,000 nodes at once take longer on a busy machine.
      for (int from = 0; from < nodes; from += 100) {
        Scenario s = sim.scenario();
        for (int i = from; i < Math.min(nodes, from + 100); i++) {
          s.node(node(i));
        }
        s.apply();
      }
      more.apply(sim.scenario()).apply();
      return sim;
    } catch (RuntimeException e) {
      sim.close();
      throw e;
    }
  }

  static String node(int i) {
    return String.format(Locale.ROOT, "node-%04d", i);
  }

  private static double pct(double[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }
}
