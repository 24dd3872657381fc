package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.sim.SimController;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's memory and idle CPU on a simulated cluster of 1,000 nodes (see {@link DaemonBenchmark}). The broker
 * and the simulator share the JVM, so each is measured before the daemon starts and the daemon's share is the
 * difference. The idle CPU is measured with the default re-list period (5 s: the cluster watch lists every node)
 * and with 5 minutes, so the difference is the re-list's cost.
 */
final class FootprintFigure {
  private static final int NODES = 1000;
  private static final Duration IDLE = Duration.ofSeconds(20);

  private FootprintFigure() {}

  static void run(Footprint jvm, String bootstrap) throws Exception {
    System.out.println("== footprint: " + NODES + " nodes");
    Footprint withBroker = Footprint.now();
    // Without the lease controller: renewing 1,000 leases every 10 s is the simulator's work, not the daemon's.
    try (SimulatedCluster sim = DaemonBenchmark.cluster(NODES, SimTiming.fast(), SimController.NODE_LEASES);
         CordonWatch watch = new CordonWatch(sim.client())) {
      Footprint withSim = Footprint.now();
      System.out.println("  JVM before anything (Maven's own): " + jvm.show());
      System.out.println("  + broker:                          " + withBroker.show() + "   (" + withBroker.minus(jvm) + ")");
      System.out.println("  + simulator:                       " + withSim.show() + "   (" + withSim.minus(withBroker) + ")");
      listing(sim);
      double simCpu = cpuOver(IDLE);
      double defaultRelist;
      try (BenchDaemon d = new BenchDaemon(bootstrap, sim, 5)) {
        defaultRelist = cpuOver(IDLE);
        Footprint idle = Footprint.now();
        System.out.println("  + daemon, idle:                    " + idle.show() + "   (" + idle.minus(withSim) + ")");
        runs(d, watch, withSim);
      }
      double longRelist;
      try (BenchDaemon d = new BenchDaemon(bootstrap, sim, EngineConfig.defaults().withMaxNodesInMaintenance(5)
          .withRelistPeriod(Duration.ofMinutes(5)))) {
        longRelist = cpuOver(IDLE);
      }
      System.out.printf(Locale.ROOT, "  process CPU over %d s idle (%% of one CPU): simulator alone %.1f; with the daemon"
              + " %.1f (re-list every 5 s, the default), %.1f (every 5 min)%n", IDLE.toSeconds(), simCpu,
          defaultRelist, longRelist);
    }
  }

  /** What one list of every node costs a client (the cluster watch's re-list, and the engine's plan, do it). */
  private static void listing(SimulatedCluster sim) {
    double[] ms = new double[7];
    int bytes = 0;
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      var list = sim.client().nodes().list();
      ms[i] = (System.nanoTime() - t0) / 1e6;
      bytes = Serialization.asJson(list).getBytes(StandardCharsets.UTF_8).length;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "  one list of every node: %.0f ms (median of %d; %.0f-%.0f), %.1f MB of JSON%n",
        ms[ms.length / 2], ms.length, ms[0], ms[ms.length - 1], bytes / 1e6);
  }

  /** 50 takeovers of empty nodes, published at once, while RSS and heap in use are sampled every 100 ms. */
  private static void runs(BenchDaemon d, CordonWatch watch, Footprint withSim) {
    AtomicLong peakRss = new AtomicLong();
    AtomicLong peakHeap = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> {
      peakRss.accumulateAndGet(Footprint.currentRssKb(), Math::max);
      Runtime rt = Runtime.getRuntime();
      peakHeap.accumulateAndGet((rt.totalMemory() - rt.freeMemory()) / 1024, Math::max);
    }, 0, 100, TimeUnit.MILLISECONDS);
    try {
      watch.resetMost();
      long t0 = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String id = "fp-" + i;
        String node = DaemonBenchmark.node(i * 20);
        ids.add(id);
        d.send(node, BenchDaemon.ticket(id, "takeover", node).getBytes(StandardCharsets.UTF_8));
      }
      d.flush();
      for (String id : ids) {
        d.awaitEnd(id, Duration.ofMinutes(3));
      }
      double took = (System.nanoTime() - t0) / 1e9;
      sampler.shutdownNow();
      Footprint after = Footprint.now();
      System.out.printf(Locale.ROOT, "  during 50 takeovers (%.1f s, %.2f s a node, at most %d of 5 nodes cordoned at"
              + " once): peak RSS %d MB (%+d MB over the simulator's), peak heap in use before GC %d MB%n", took,
          took / 50, watch.most(), peakRss.get() / 1024, (peakRss.get() - withSim.rssKb()) / 1024, peakHeap.get() / 1024);
      System.out.println("  after the runs:                    " + after.show() + "   (" + after.minus(withSim) + ")");
    } finally {
      sampler.shutdownNow();
    }
  }

  /** The process's CPU over a quiet window, as a percentage of one CPU. */
  private static double cpuOver(Duration window) throws InterruptedException {
    long cpu0 = Footprint.cpuMillis();
    long t0 = System.nanoTime();
    Thread.sleep(window.toMillis()); // the window being measured, not a wait for something to happen
    return 100.0 * (Footprint.cpuMillis() - cpu0) / ((System.nanoTime() - t0) / 1e6);
  }
}
