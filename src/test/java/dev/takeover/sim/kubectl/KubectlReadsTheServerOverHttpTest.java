package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The requests kubectl sends, made with java.net.http, and what the facade answers. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KubectlReadsTheServerOverHttpTest {
  static final String TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,"
      + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  static final String AGGREGATED_ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

  KubectlTestServer sim;
  HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    sim = KubectlTestServer.start(new KubectlFacade());
    sim.client.nodes().resource(SeedObjects.node("kube-node01", "127.0.1.2", false)).create();
    sim.client.pods().inNamespace("default")
        .resource(SeedObjects.runningPod("default", "mysql-0", "kube-node01", "10.244.2.6")).create();
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void discovery_then_a_pod_list_as_a_table_gives_kubectls_columns_and_a_row_for_the_pod() throws Exception {
    HttpResponse<String> api = get("/api", AGGREGATED_ACCEPT);
    assertEquals(200, api.statusCode());
    assertEquals("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        api.headers().firstValue("Content-Type").orElse(""));
    assertEquals("APIGroupDiscoveryList", new JsonObject(api.body()).getString("kind"));
    HttpResponse<String> apis = get("/apis", AGGREGATED_ACCEPT);
    assertTrue(new JsonObject(apis.body()).getJsonArray("items").stream()
        .anyMatch(g -> "apps".equals(((JsonObject) g).getJsonObject("metadata").getString("name"))), apis.body());

    HttpResponse<String> pods = get("/api/v1/namespaces/default/pods?limit=500", TABLE_ACCEPT);

    assertEquals(200, pods.statusCode(), pods.body());
    assertEquals("application/json", pods.headers().firstValue("Content-Type").orElse(""));
    JsonObject table = new JsonObject(pods.body());
    assertEquals("Table", table.getString("kind"));
    assertEquals("meta.k8s.io/v1", table.getString("apiVersion"));
    List<String> columns = table.getJsonArray("columnDefinitions").stream()
        .map(c -> ((JsonObject) c).getString("name") + "/" + ((JsonObject) c).getInteger("priority")).toList();
    assertEquals(List.of("Name/0", "Ready/0", "Status/0", "Restarts/0", "Age/0", "IP/1", "Node/1",
        "Nominated Node/1", "Readiness Gates/1"), columns);
    JsonObject row = table.getJsonArray("rows").getJsonObject(0);
    JsonArray cells = row.getJsonArray("cells");
    assertEquals(List.of("mysql-0", "1/1", "Running", "0"), cells.getList().subList(0, 4));
    assertEquals(List.of("10.244.2.6", "kube-node01", "<none>", "<none>"), cells.getList().subList(5, 9));
    assertEquals("PartialObjectMetadata", row.getJsonObject("object").getString("kind"));
    assertEquals("default", row.getJsonObject("object").getJsonObject("metadata").getString("namespace"));
  }

  @Test
  void a_client_that_prefers_protobuf_is_answered_in_json_and_told_so() throws Exception {
    HttpResponse<String> node = get("/api/v1/nodes/kube-node01", "application/vnd.kubernetes.protobuf,application/json");

    assertEquals(200, node.statusCode());
    assertEquals("application/json", node.headers().firstValue("Content-Type").orElse(""));
    assertEquals("kube-node01", new JsonObject(node.body()).getJsonObject("metadata").getString("name"));
  }

  @Test
  void a_table_for_an_object_that_does_not_exist_is_the_servers_404() throws Exception {
    HttpResponse<String> missing = get("/api/v1/namespaces/default/pods/nobody", TABLE_ACCEPT);

    assertEquals(404, missing.statusCode());
  }

  private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(sim.url() + path)).header("Accept", accept)
        .timeout(Duration.ofSeconds(10)).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
