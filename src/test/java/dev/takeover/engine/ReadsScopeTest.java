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
import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's memory must not grow with the number of pods in the cluster: it never lists or watches pods beyond
 * the node under maintenance and the pods it confirms. Checked on every request it sends, and measured: the bytes
 * it reads for the seed's takeover are the same whether the rest of the cluster runs 0 or 200 more pods.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReadsScopeTest {

  /** What the engine asked for and read during one takeover of kube-node02. */
  record Reads(List<String> requests, List<String> podReads, long bytes) {}

  private static Reads takeoverWithOtherPods(int otherPods) throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    List<String> podReads = new CopyOnWriteArrayList<>();
    AtomicLong bytes = new AtomicLong();
    try (SimulatedCluster sim = SimulatedCluster.builder().timing(SimTiming.fast())
        .requestHook((request, next) -> {
          String agent = request.getHeader("User-Agent");
          // Only the engine's client is under test (the simulator's own controllers read everything).
          if (agent == null || !agent.contains("takeover-engine")) {
            return null;
          }
          String path = URLDecoder.decode(request.getPath(), StandardCharsets.UTF_8);
          requests.add(request.getMethod() + " " + path);
          if ("GET".equals(request.getMethod()) && path.matches("/api/v1/(namespaces/[^/]+/)?pods([/?].*)?")) {
            podReads.add(path);
          }
          MockResponse answer = next.dispatch(request);
          if (answer.getBody() != null) {
            bytes.addAndGet(answer.getBody().size());
          }
          return answer;
        }).start()) {
      Seed.apply(sim);
      if (otherPods > 0) {
        sim.scenario().deployment("default", "web", d -> d.replicas(otherPods).placeOn("kube-node01")).apply();
      }
      Vertx vertx = Vertx.vertx();
      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).withUserAgent("takeover-engine")
          .build();
      try (Kube kube = Kube.connect(vertx, config, 4, "test")) {
        Engine engine = Engine.start(vertx, kube, EngineConfig.defaults().withConfirmTimeout(Duration.ofSeconds(20)),
            new EventStream(vertx), Clock.systemUTC()).await(30, TimeUnit.SECONDS);
        Outcome out = engine.submit(Ticket.takeover("kube-node02", null, "test", "", "")).await(60, TimeUnit.SECONDS);
        engine.close();
        assertEquals(Outcome.Status.SUCCEEDED, out.status(), out.reason());
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
    return new Reads(requests, podReads, bytes.get());
  }

  @Test
  void every_pod_read_is_scoped_to_the_node_or_to_one_pod_and_the_bytes_read_do_not_grow_with_the_cluster()
      throws Exception {
    Reads quiet = takeoverWithOtherPods(0);
    Reads busy = takeoverWithOtherPods(200);
    System.out.printf("engine reads for one takeover of kube-node02: %d requests (%d pod reads), %d bytes with no"
        + " other pods; %d requests, %d bytes with 200 other pods%n", quiet.requests().size(), quiet.podReads().size(),
        quiet.bytes(), busy.requests().size(), busy.bytes());

    assertFalse(busy.podReads().isEmpty(), "the engine's requests were seen: " + busy.requests());
    for (String read : busy.podReads()) {
      boolean onNode = read.contains("fieldSelector=spec.nodeName=kube-node02");
      boolean onePod = read.matches("/api/v1/namespaces/[^/]+/pods/[^/?]+(\\?.*)?")
          || read.contains("fieldSelector=metadata.name=");
      assertTrue(onNode || onePod, "a pod read beyond the node and its pods: " + read);
    }
    // 200 more pods in the cluster add nothing to what the engine reads (a few bytes of uids and timestamps aside).
    assertTrue(busy.bytes() <= quiet.bytes() * 11 / 10 + 1024, quiet.bytes() + " bytes, then " + busy.bytes());
  }
}
