package dev.takeover.scenarios;

import dev.takeover.config.EngineConfig;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.api.WatchFaults;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's takeover and a full node's, while the API server's watches fail as real ones do: old etcd answering
 * watches without a resourceVersion with HTTP 500, proxies cutting watches after some events or some time,
 * watches that open and then say nothing. Every run must succeed (slower at worst) and, where its watches did
 * fail, say so once. The faults can only be arranged on the simulated cluster.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WatchFaultsTest {
  /** Pods that take a little while, so that watches have time to fail; and a short re-list period. */
  private static final SimTiming TIMING = new SimTiming(Duration.ofMillis(600), Duration.ofMillis(400));
  private static final UnaryOperator<EngineConfig> RELIST_EVERY_SECOND = c -> c.withRelistPeriod(Duration.ofSeconds(1));

  enum Fault {
    /** kube-apiserver v1.32 with WatchList on and etcd < 3.5.13: a watch without resourceVersion gets HTTP 500. */
    WATCH_WITHOUT_VERSION_FAILS(f -> f.noResourceVersionFails(true), false),
    /** A proxy that cuts every watch after one event. */
    CUT_AFTER_EACH_EVENT(f -> f.cutAfterEvents(1), true),
    /** A load balancer that cuts every watch after 200 ms. */
    CUT_AFTER_200_MS(f -> f.cutAfter(Duration.ofMillis(200)), true),
    /** Watches that are accepted and then say nothing, ever. */
    SILENT(f -> f.silent(true), true);

    final Consumer<WatchFaults> arrange;
    final boolean reported;

    Fault(Consumer<WatchFaults> arrange, boolean reported) {
      this.arrange = arrange;
      this.reported = reported;
    }
  }

  @BeforeEach
  void onlyOnTheSimulator() {
    Assumptions.assumeTrue(TestCluster.realKubeconfig() == null,
        "watch faults can only be arranged on the simulated cluster, not on the e2e profile's real one");
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void the_seeds_takeover_succeeds_when_watches_fail(Fault fault) {
    try (Clusters.Simulated cluster = Clusters.Simulated.seed(TIMING)) {
      cluster.sim.awaitSettled(Duration.ofSeconds(10));
      fault.arrange.accept(cluster.sim.watchFaults());
      EngineHarness.Result result = SeedTakeoverTest.takeoverMovesMysql(cluster, "default", "kube-node02", "pv1",
          RELIST_EVERY_SECOND);
      assertReported(fault, result, cluster.sim);
    }
  }

  /**
   * The seed's takeover above meets every fault; a full node adds the volume of events, which matters for the faults
   * that act per event or forget events: cut after each one, and silence (re-lists only). The other two (a refused
   * first watch, a cut on a timer) act the same whatever the volume, and cost 14 s each here.
   */
  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"CUT_AFTER_EACH_EVENT", "SILENT"})
  void a_full_nodes_takeover_succeeds_when_watches_fail(Fault fault) {
    try (Clusters.Simulated cluster = Clusters.Simulated.seedNodes(TIMING);
         Scene scene = Scene.in(cluster, "full-" + fault.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))) {
      try {
        EngineHarness.Result result = FullNodeTest.takeOverAFullNode(cluster, scene, RELIST_EVERY_SECOND,
            () -> fault.arrange.accept(cluster.sim.watchFaults()));
        assertReported(fault, result, cluster.sim);
      } finally {
        cluster.sim.watchFaults().clear(); // the scene's own clean-up waits by watching
      }
    }
  }

  /** A fault that hit the run's watches is told, once per cause; one that could not hit them is not. */
  private static void assertReported(Fault fault, EngineHarness.Result result, SimulatedCluster sim) {
    List<JsonObject> failing = result.ofType("takeover.watch.failing");
    if (fault.reported) {
      assertFalse(failing.isEmpty(), "a takeover.watch.failing event under " + fault);
      assertTrue(failing.get(0).getString("cause").length() > 0, failing.get(0).encode());
      assertEquals(failing.size(), failing.stream().map(e -> e.getString("cause").replaceAll("[0-9.]+", "#")).distinct().count(),
          "each cause told once: " + failing);
    } else {
      assertTrue(failing.isEmpty(), "the engine's watches always carry a resourceVersion, so " + fault
          + " cannot touch them: " + failing);
    }
    List<String> watches = sim.requestLog().stream().filter(p -> p.contains("watch=true") || p.contains("watch=1")).toList();
    assertFalse(watches.isEmpty(), "the run watched");
    for (String w : watches) {
      assertTrue(w.matches(".*[?&]resourceVersion=[1-9][0-9]*(&.*)?$"), "every watch carries a resourceVersion: " + w);
    }
  }
}
