package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.api.WatchFaults;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * How much slower a takeover is when the API server's watches fail, on the simulator with a real cluster's timing
 * (graceful deletion 1 s, pod start 2 s): the seed's node and a node of 110 pods, with healthy watches and with
 * watches that never work. Prints the run's time and its ratio to the floor (the slowest pod's deletion plus its
 * start), the median of 3 runs each. {@code mvn -q -Pbench test-compile exec:java [-Dexec.args=5]} (the pom's bench profile).
 */
public final class WatchFaultsBenchmark {
  private static final SimTiming REAL = new SimTiming(Duration.ofSeconds(2), Duration.ofSeconds(1));
  // The mock server logs every request through java.util.logging; held here so the setting is not collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private record Watches(String name, Consumer<WatchFaults> arrange) {}

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    List<Watches> modes = List.of(
        new Watches("healthy watches", f -> { }),
        new Watches("every watch silent", f -> f.silent(true)),
        new Watches("every watch cut after 1 event", f -> f.cutAfterEvents(1)));
    double floor = (REAL.terminationDelay().toMillis() + REAL.podStartDelay().toMillis()) / 1000.0;
    System.out.printf(Locale.ROOT, "floor (slowest pod's deletion + start): %.2f s; re-list period %d s%n", floor,
        EngineConfig.defaults().relistPeriod().toSeconds());
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    for (boolean full : new boolean[] {false, true}) {
      for (Watches mode : modes) {
        double[] took = new double[runs];
        for (int i = 0; i < runs; i++) {
          took[i] = once(full, mode);
        }
        java.util.Arrays.sort(took);
        double median = took[runs / 2];
        System.out.printf(Locale.ROOT, "%-16s %-31s run median %5.2f s (%d runs, %.2f–%.2f)  ratio to floor %.2f%n",
            full ? "110-pod node" : "seed (mysql-0)", mode.name(), median, runs, took[0], took[runs - 1], median / floor);
      }
    }
    System.exit(0);
  }

  /** One takeover of kube-node02 on a fresh simulated seed cluster; the run's own time in seconds. */
  private static double once(boolean full, Watches mode) throws Exception {
    try (SimulatedCluster sim = Seed.cluster(REAL)) {
      if (full) {
        fill(sim);
      }
      sim.awaitSettled(Duration.ofSeconds(60));
      mode.arrange().accept(sim.watchFaults());
      Vertx vertx = Vertx.vertx();
      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).build();
      Kube kube = Kube.connect(vertx, config, 16, "bench");
      try {
        EventStream events = new EventStream(vertx);
        AtomicInteger failing = new AtomicInteger();
        io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
        events.subscribe(e -> {
          if ("takeover.watch.failing".equals(e.getString("type"))) {
            failing.incrementAndGet();
          }
          if ("takeover.run.finished".equals(e.getString("type"))) {
            finished.tryComplete();
          }
        });
        Engine engine = Engine.start(vertx, kube, EngineConfig.defaults(), events, Clock.systemUTC())
            .await(30, TimeUnit.SECONDS);
        Outcome out = engine.submit(Ticket.takeover("kube-node02", Ticket.Options.defaults(), "bench", "", ""))
            .await(10, TimeUnit.MINUTES);
        finished.future().await(10, TimeUnit.SECONDS); // the events are delivered after the outcome
        engine.close();
        if (out.status() != Outcome.Status.SUCCEEDED) {
          throw new IllegalStateException(mode.name() + ": " + out.status() + " " + out.reason());
        }
        if (failing.get() == 0 && !mode.name().startsWith("healthy")) {
          System.out.println("  (no failing-watch line under " + mode.name() + ")");
        }
        return out.took().toMillis() / 1000.0;
      } finally {
        kube.close();
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /** kube-node02 up to the kubelet's 110 pods: 4 StatefulSets of 5 with volumes and a Deployment, beside the seed's. */
  private static void fill(SimulatedCluster sim) {
    int stateful = 0;
    var scenario = sim.scenario();
    for (int s = 0; s < 4; s++) {
      for (int r = 0; r < 5; r++) {
        scenario.pv("pv-db" + s + "-" + r, "1Gi", "standard");
        stateful++;
      }
      int set = s;
      scenario.statefulSet("default", "db" + set, spec -> spec.replicas(5).claimTemplate("data", "standard", "1Gi")
          .placeOn("kube-node02"));
    }
    int onNode = sim.client().pods().inAnyNamespace().withField("spec.nodeName", "kube-node02").list().getItems().size();
    int web = 110 - onNode - stateful;
    scenario.deployment("default", "web", d -> d.replicas(web).placeOn("kube-node02")).apply();
  }
}
