package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The objects a real v1.32 server returned, printed by the facade at the moment the server printed them, give
 * the Tables the server gave: same column definitions, same cells, the object's metadata as
 * PartialObjectMetadata. Recorded objects without a recorded Table are printed by printers.go's rules.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TablesMatchTheRecordedServerTest {
  /** table-pods, table-nodes, table-pv and table-pvc were printed at 08:41:14 (mysql-0 was 31s old). */
  static final Instant PRINTED = Instant.parse("2026-11-25T08:41:14.500Z");
  /** get-svc-sts-po.log was printed a second later. */
  static final Instant PRINTED_SVC_STS = Instant.parse("2026-11-25T08:41:15.500Z");

  @Test
  void a_running_pod_prints_as_the_server_printed_mysql_0() {
    assertSameTable("table-pods", 0, "/api/v1/namespaces/default/pods?limit=500", PRINTED, object("pod-mysql-0"));
  }

  @Test
  void a_node_prints_as_the_server_printed_kube_node01() {
    assertSameTable("table-nodes", 1, "/api/v1/nodes?limit=500", PRINTED, object("node"));
  }

  @Test
  void a_volume_prints_as_the_server_printed_pv1() {
    assertSameTable("table-pv", 0, "/api/v1/persistentvolumes?limit=500", PRINTED, object("pv"));
  }

  @Test
  void a_claim_prints_as_the_server_printed_pvc_mysql_0() {
    assertSameTable("table-pvc", 0, "/api/v1/namespaces/default/persistentvolumeclaims?limit=500", PRINTED,
        object("pvc"));
  }

  @Test
  void a_statefulset_prints_as_the_server_printed_mysql() {
    assertSameTable("table-statefulsets", 0, "/apis/apps/v1/namespaces/default/statefulsets?limit=500",
        PRINTED_SVC_STS, object("statefulset"));
  }

  @Test
  void services_print_as_the_server_printed_kubernetes_and_the_headless_mysql() {
    Service kubernetes = new ServiceBuilder().withNewMetadata().withName("kubernetes").withNamespace("default")
        .withCreationTimestamp("2026-11-25T08:35:38Z").endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.1").withClusterIPs("10.96.0.1")
        .addNewPort().withName("https").withPort(443).withProtocol("TCP").endPort().endSpec().build();
    Service mysql = new ServiceBuilder().withNewMetadata().withName("mysql").withNamespace("default")
        .withCreationTimestamp("2026-11-25T08:35:46Z").endMetadata()
        .withNewSpec().withClusterIP("None").addToSelector("app", "mysql").addNewPort().withPort(3306).endPort()
        .endSpec().build();

    JsonObject table = print("/api/v1/namespaces/default/services?limit=500", PRINTED_SVC_STS,
        new JsonObject(Serialization.asJson(mysql)), new JsonObject(Serialization.asJson(kubernetes)));

    JsonObject recorded = SimResources.json("recorded/table-services.json");
    assertEquals(recorded.getJsonArray("columnDefinitions"), table.getJsonArray("columnDefinitions"));
    assertEquals(recorded.getJsonArray("cells"), new JsonArray(table.getJsonArray("rows").stream()
        .map(r -> ((JsonObject) r).getJsonArray("cells")).toList()));
  }

  @Test
  void the_recorded_pod_being_evicted_prints_as_Terminating_while_it_still_runs() {
    assertEquals(new JsonArray().add("mysql-0").add("1/1").add("Terminating").add("0").add("31s"),
        firstCells("/api/v1/namespaces/default/pods", PRINTED, object("pod-terminating"), 5));
  }

  @Test
  void the_recorded_pod_on_a_dead_node_still_prints_as_Running() {
    assertEquals(new JsonArray().add("mysql-0").add("1/1").add("Running"),
        firstCells("/api/v1/namespaces/default/pods", Instant.parse("2026-11-25T08:43:00Z"),
            object("pod-on-dead-node"), 3));
  }

  @Test
  void the_recorded_node_that_stopped_reporting_prints_as_NotReady() {
    assertEquals(new JsonArray().add("kube-node01").add("NotReady").add("<none>").add("7m19s"),
        firstCells("/api/v1/nodes", Instant.parse("2026-11-25T08:43:00Z"), object("node-dead"), 4));
  }

  @Test
  void the_recorded_pdb_prints_its_budget_and_the_disruptions_it_allows() {
    assertEquals(new JsonArray().add("mysql").add("1").add("N/A").add(0L).add("44s"),
        firstCells("/apis/policy/v1/namespaces/default/poddisruptionbudgets", Instant.parse("2026-11-25T08:42:00Z"),
            object("pdb-blocking"), 5));
  }

  @Test
  void the_recorded_node_lease_prints_its_holder() {
    assertEquals(new JsonArray().add("kube-node01").add("kube-node01").add("5m33s"),
        firstCells("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", PRINTED,
            object("lease-live-node"), 3));
  }

  private static JsonArray firstCells(String path, Instant at, JsonObject object, int count) {
    JsonArray cells = print(path, at, object).getJsonArray("rows").getJsonObject(0).getJsonArray("cells");
    return new JsonArray(cells.stream().limit(count).toList());
  }

  private static void assertSameTable(String recording, int recordedRow, String path, Instant at, JsonObject object) {
    JsonObject table = print(path, at, object);

    JsonObject recorded = SimResources.json("recorded/" + recording + ".json");
    assertEquals(recorded.getJsonArray("columnDefinitions"), table.getJsonArray("columnDefinitions"));
    JsonObject row = table.getJsonArray("rows").getJsonObject(0);
    assertEquals(recorded.getJsonArray("cells").getJsonArray(recordedRow), row.getJsonArray("cells"));
    assertEquals(new JsonObject().put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1")
        .put("metadata", object.getJsonObject("metadata")), row.getJsonObject("object"));
    assertEquals("772", table.getJsonObject("metadata").getString("resourceVersion"));
  }

  private static JsonObject print(String path, Instant at, JsonObject... objects) {
    JsonObject list = new JsonObject().put("apiVersion", "v1").put("kind", "List")
        .put("metadata", new JsonObject().put("resourceVersion", "772")).put("items", new JsonArray(java.util.List.of(
            (Object[]) objects)));
    TableConverter converter = new TableConverter(Clock.fixed(at, ZoneOffset.UTC));
    return converter.convert(ApiPath.parse(path).orElseThrow(), list, "v1");
  }

  static JsonObject object(String name) {
    return SimResources.json("recorded/objects/" + name + ".json");
  }
}
