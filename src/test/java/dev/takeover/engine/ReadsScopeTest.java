package dev.takeover.engine;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's memory must not grow with the number of pods in the cluster: it never lists or watches pods
 * beyond the node under maintenance and the pods it confirms. Checked on every request it sends, with the
 * rest of the cluster busy (a Deployment of 200 pods on the other worker).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReadsScopeTest {

  @Test
  void every_pod_read_is_scoped_to_the_node_or_to_one_pod() throws Exception {
    List<String> podReads = new CopyOnWriteArrayList<>();
    List<String> engineRequests = new CopyOnWriteArrayList<>();
    try (SimulatedCluster sim = SimulatedCluster.builder().timing(SimTiming.fast())
        .requestHook((request, next) -> {
          String agent = request.getHeader("User-Agent");
          // Only the engine's client is under test (the simulator's own controllers read everything).
          if (agent != null && agent.contains("takeover-engine")) {
            String path = URLDecoder.decode(request.getPath(), StandardCharsets.UTF_8);
            engineRequests.add(request.getMethod() + " " + path);
            if ("GET".equals(request.getMethod()) && path.matches("/api/v1/(namespaces/[^/]+/)?pods([/?].*)?")) {
              podReads.add(path);
            }
          }
          return null;
        }).start()) {
      Seed.apply(sim);
      sim.scenario().deployment("default", "web", d -> d.replicas(200).placeOn("kube-node01")).apply();
      Vertx vertx = Vertx.vertx();
      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).withUserAgent("takeover-engine")
          .build();
      try (Kube kube = Kube.connect(vertx, config, 4, "test")) {
        Engine engine = Engine.start(vertx, kube, EngineConfig.defaults().withConfirmTimeout(java.time.Duration.ofSeconds(20)), new EventStream(vertx), Clock.systemUTC())
            .await(30, TimeUnit.SECONDS);
        Outcome out = engine.submit(Ticket.takeover("kube-node02", null, "test", "", "")).await(60, TimeUnit.SECONDS);
        engine.close();
        assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
    System.out.printf("engine requests for one takeover of kube-node02: %d (%d of them pod reads)%n",
        engineRequests.size(), podReads.size());
    assertTrue(!podReads.isEmpty(), "the engine's requests were seen: " + engineRequests);
    for (String read : podReads) {
      boolean onNode = read.contains("fieldSelector=spec.nodeName=kube-node02");
      boolean onePod = read.matches("/api/v1/namespaces/[^/]+/pods/[^/?]+(\\?.*)?")
          || read.contains("fieldSelector=metadata.name=");
      assertTrue(onNode || onePod, "a pod read beyond the node and its pods: " + read);
    }
  }
}
