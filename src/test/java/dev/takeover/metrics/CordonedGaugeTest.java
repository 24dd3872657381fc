package dev.takeover.metrics;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.engine.NodeRecord;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * takeover_node_cordoned{node} follows the cluster view, not the engine's events: the seed's cluster, a cluster
 * view and the metrics subscriber, and cordons written straight to the API server the way a run writes them (the
 * node's record says the cordon is Takeover's). No engine runs, so only the view's own word can move the gauge
 * within the bound: the periodic refresh comes every 15 s.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CordonedGaugeTest {
  static final Duration BOUND = Duration.ofSeconds(5);

  SimulatedCluster cluster;
  KubernetesClient k;
  Vertx vertx;
  Kube kube;
  Metrics metrics;

  @BeforeEach
  void start() throws Exception {
    cluster = Seed.cluster(SimTiming.fast());
    k = cluster.client();
    vertx = Vertx.vertx();
    kube = Kube.connect(vertx, k.getConfiguration(), 4, "cordoned-gauge-test");
    metrics = Metrics.create();
    vertx.deployVerticle(new ClusterWatch(kube.calls(), Duration.ofSeconds(60))).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new MetricsSubscriber(metrics)).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    cluster.close();
  }

  boolean gaugeShows(String node) {
    return Scrape.parse(metrics.registry().scrape()).has("takeover_node_cordoned", "node", node);
  }

  void cordon(String node, boolean byTakeover) {
    k.nodes().withName(node).edit(n -> {
      if (n.getMetadata().getAnnotations() == null) {
        n.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      n.getSpec().setUnschedulable(true);
      if (byTakeover) {
        n.getMetadata().getAnnotations().put(NodeRecord.RUN, "run-1");
        n.getMetadata().getAnnotations().put(NodeRecord.CORDONED, "true");
      }
      return n;
    });
  }

  void uncordon(String node) {
    k.nodes().withName(node).edit(n -> {
      n.getSpec().setUnschedulable(false);
      n.getMetadata().getAnnotations().remove(NodeRecord.RUN);
      n.getMetadata().getAnnotations().remove(NodeRecord.CORDONED);
      return n;
    });
  }

  @Test
  void a_cordon_by_takeover_shows_as_soon_as_the_view_sees_it_and_goes_when_it_is_lifted() {
    assertFalse(gaugeShows("kube-node02"), "no node is cordoned yet");

    cordon("kube-node02", true);
    Await.await("takeover_node_cordoned{node=kube-node02}", BOUND, () -> gaugeShows("kube-node02"));

    uncordon("kube-node02");
    Await.await("takeover_node_cordoned{node=kube-node02} removed", BOUND, () -> !gaugeShows("kube-node02"));
  }

  @Test
  void a_node_cordoned_by_someone_else_is_not_counted() {
    cordon("kube-node01", false);
    cordon("kube-node02", true);
    Await.await("takeover_node_cordoned{node=kube-node02}", BOUND, () -> gaugeShows("kube-node02"));
    assertFalse(gaugeShows("kube-node01"), "kube-node01 was cordoned by an operator, not by Takeover");
  }
}
