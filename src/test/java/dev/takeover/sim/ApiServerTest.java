package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The API server's surface: cordon as kubectl sends it, kubeconfig, the request hook. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ApiServerTest {
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void a_cordon_sent_as_kubectl_sends_it_is_applied_and_tainted_by_the_node_controller() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-node01").apply();
    RawApi api = new RawApi(cluster);

    RawApi.Answer cordon = api.patch("/api/v1/nodes/kube-node01", "application/strategic-merge-patch+json",
        "{\"spec\":{\"unschedulable\":true}}");
    assertEquals(200, cordon.code());
    cluster.awaitSettled(Duration.ofSeconds(5));
    Node cordoned = cluster.client().nodes().withName("kube-node01").get();
    assertEquals(Boolean.TRUE, cordoned.getSpec().getUnschedulable());
    assertEquals("node.kubernetes.io/unschedulable", cordoned.getSpec().getTaints().get(0).getKey());

    assertEquals(200, api.patch("/api/v1/nodes/kube-node01", "application/strategic-merge-patch+json",
        "{\"spec\":{\"unschedulable\":null}}").code());
    cluster.awaitSettled(Duration.ofSeconds(5));
    Node uncordoned = cluster.client().nodes().withName("kube-node01").get();
    assertEquals(null, uncordoned.getSpec().getUnschedulable());
    assertTrue(uncordoned.getSpec().getTaints().isEmpty());
  }

  @Test
  void a_strategic_merge_patch_with_a_list_is_refused_rather_than_misapplied() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("kube-node01").apply();

    RawApi.Answer answer = new RawApi(cluster).patch("/api/v1/nodes/kube-node01", "application/strategic-merge-patch+json",
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}");

    assertEquals(415, answer.code());
  }

  @Test
  void the_kubeconfig_works_for_fabric8_and_for_kubectl(@TempDir Path dir) throws Exception {
    cluster = Seed.cluster(SimTiming.fast());
    Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));

    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    try (KubernetesClient fromFile = new KubernetesClientBuilder().withConfig(config).build()) {
      assertEquals("default", fromFile.getNamespace());
      assertEquals(3, fromFile.nodes().list().getItems().size());
    }

    assumeTrue(onPath("kubectl"), "kubectl not installed");
    Process kubectl = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "get", "--raw",
        "/api/v1/namespaces/default/pods/mysql-0").redirectErrorStream(true).start();
    assertTrue(kubectl.waitFor(20, TimeUnit.SECONDS));
    String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, kubectl.exitValue(), out);
    assertTrue(out.contains("\"nodeName\":\"kube-node02\""), out);
  }

  @Test
  void a_request_hook_sees_requests_first_and_can_answer_or_pass_them_on() {
    List<String> seen = new CopyOnWriteArrayList<>();
    cluster = SimulatedCluster.builder().requestHook((request, next) -> {
      seen.add(request.getMethod() + " " + request.getPath());
      if (request.getPath().startsWith("/hello")) {
        return new MockResponse().setResponseCode(200).setBody("hi");
      }
      if (request.getPath().equals("/api/v1/nodes?count=true")) {
        MockResponse list = next.dispatch(request); // e.g. to turn a list into a Table
        return new MockResponse().setResponseCode(200).setBody(String.valueOf(
            new String(list.getBody().getBytes(), StandardCharsets.UTF_8).split("\"kind\":\"Node\"", -1).length - 1));
      }
      return null;
    }).start();
    cluster.scenario().node("kube-node01").node("kube-node02").apply();
    RawApi api = new RawApi(cluster);

    assertEquals("hi", api.get("/hello").body());
    assertEquals("2", api.get("/api/v1/nodes?count=true").body());
    await(Duration.ofSeconds(5), () -> seen.contains("GET /hello"));
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  static String read(Path path) throws IOException {
    return Files.readString(path);
  }

  @Test
  void a_busy_port_fails_the_start_with_one_clear_line() {
    cluster = SimulatedCluster.builder().start();
    int busy = cluster.port();
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> SimulatedCluster.builder().port(busy).start());
    assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + busy + ": "), e.getMessage());
  }
}
