package dev.takeover.scenarios;

import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;

/** Chooses the cluster of a scenario: the real one of the e2e profile, or a fresh simulated one. */
final class Clusters {
  private Clusters() {}

  static TestCluster start() {
    Path real = TestCluster.realKubeconfig();
    return real != null ? new RealCluster(real) : Simulated.seedNodes();
  }

  /** The seed's nodes and DaemonSets (kube-master, kube-node01, kube-node02), on the simulator. */
  static final class Simulated implements TestCluster {
    final SimulatedCluster sim;
    private ChartIdentity.Identity engine;

    private Simulated(SimulatedCluster sim) {
      this.sim = sim;
    }

    /** The seed exactly (mysql-0 on kube-node02, pvc-mysql-0 → pv1), for the seed's own scenario. */
    static Simulated seed() {
      return seed(SimTiming.fast());
    }

    static Simulated seed(SimTiming timing) {
      return new Simulated(dev.takeover.sim.Seed.cluster(timing));
    }

    static Simulated seedNodes() {
      return seedNodes(SimTiming.fast());
    }

    /** The seed's nodes, with pods that take this long to start and stop. */
    static Simulated seedNodes(SimTiming timing) {
      return seedNodes(timing, new dev.takeover.sim.SimController[0]);
    }

    /** The seed's nodes, without these controllers (a cluster that lacks a feature). */
    static Simulated seedNodes(SimTiming timing, dev.takeover.sim.SimController... without) {
      return seedNodes(b -> b.timing(timing).without(without));
    }

    /** The seed's nodes, on a cluster built with these options (timing, a request hook...). */
    static Simulated seedNodes(java.util.function.UnaryOperator<SimulatedCluster.Builder> options) {
      SimulatedCluster sim = options.apply(SimulatedCluster.builder()).start();
      try {
        sim.scenario()
            .node("kube-master").controlPlane()
            // The kubelet's default maximum of 110 pods per node.
            .node("kube-node01", n -> n.maxPods(110))
            .node("kube-node02", n -> n.maxPods(110))
            .daemonSet("kube-system", "kube-proxy", d -> d.appLabel("kube-proxy").toleratesEverything())
            .daemonSet("kube-system", "kube-flannel-ds", d -> d.appLabel("flannel").toleratesEverything())
            .apply();
        return new Simulated(sim);
      } catch (RuntimeException e) {
        sim.close();
        throw e;
      }
    }

    @Override
    public KubernetesClient client() {
      return sim.client();
    }

    /** The chart's ServiceAccount, impersonated, its RBAC applied on first use (see {@link ChartIdentity}). */
    @Override
    public synchronized Config config() {
      if (engine == null) {
        // The check's client shares the cluster's Vert.x: a Vert.x of its own per scenario costs more than the check.
        engine = ChartIdentity.apply(sim.client(), adminConfig(),
            c -> sim.newClient(b -> new ConfigBuilder(c).withRequestTimeout(10_000)), ChartIdentity::sayOnce);
      }
      return engine.config();
    }

    /** The simulator's administrator, as the scene's client is. */
    Config adminConfig() {
      return new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).withNamespace("default")
          .withTrustCerts(true).build();
    }

    @Override
    public boolean simulated() {
      return true;
    }

    @Override
    public Duration patience() {
      return Duration.ofSeconds(30);
    }

    @Override
    public void close() {
      sim.close();
    }
  }
}
