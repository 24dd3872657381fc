package dev.takeover.sim.kubectl;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the hook answers itself, what it asks of the rest of the simulator, and what it lets through. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KubectlFacadeTest {
  static final String TABLE = KubectlReadsTheServerOverHttpTest.TABLE_ACCEPT;
  static final String PROTOBUF = "application/vnd.kubernetes.protobuf,application/json";

  final KubectlFacade facade = new KubectlFacade(Clock.fixed(Instant.parse("2026-11-25T08:41:14Z"), ZoneOffset.UTC));
  final List<RecordedRequest> forwarded = new ArrayList<>();
  JsonObject nextAnswers = list();

  /** The rest of the simulator: records what it is asked and answers {@link #nextAnswers} like the CRUD mock. */
  final Dispatcher next = new Dispatcher() {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      forwarded.add(request);
      return new MockResponse().setResponseCode(200).setBody(nextAnswers.encode());
    }
  };

  @Test
  void a_table_is_made_from_the_json_list_asked_with_the_same_query() {
    MockResponse response = facade.handle(get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dmysql"
        + "&limit=500", TABLE), next);

    assertEquals(200, response.code());
    assertEquals("Table", body(response).getString("kind"));
    RecordedRequest asked = forwarded.get(0);
    assertEquals("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dmysql&limit=500", asked.getPath());
    assertEquals("application/json", asked.getHeader("Accept"));
  }

  @Test
  void a_client_asking_for_whole_objects_gets_them_in_the_rows() {
    nextAnswers = list(pod("mysql-0"));

    JsonObject table = body(facade.handle(get("/api/v1/namespaces/default/pods?includeObject=Object", TABLE), next));

    assertEquals("Pod", table.getJsonArray("rows").getJsonObject(0).getJsonObject("object").getString("kind"));
  }

  @Test
  void a_client_asking_for_a_v1beta1_table_gets_one() {
    JsonObject table = body(facade.handle(get("/api/v1/nodes", "application/json;as=Table;v=v1beta1;g=meta.k8s.io"),
        next));

    assertEquals("meta.k8s.io/v1beta1", table.getString("apiVersion"));
  }

  @Test
  void a_kind_without_a_printer_gets_the_default_table_of_name_and_creation_time() {
    nextAnswers = list(new JsonObject().put("kind", "ConfigMap").put("apiVersion", "v1").put("metadata",
        new JsonObject().put("name", "cfg").put("namespace", "default").put("creationTimestamp", "2026-11-25T08:35:41Z")));

    JsonObject table = body(facade.handle(get("/api/v1/namespaces/default/configmaps", TABLE), next));

    assertEquals(List.of("Name", "Created At"), table.getJsonArray("columnDefinitions").stream()
        .map(c -> ((JsonObject) c).getString("name")).toList());
    assertEquals(new JsonArray().add("cfg").add("2026-11-25T08:35:41Z"),
        table.getJsonArray("rows").getJsonObject(0).getJsonArray("cells"));
  }

  @Test
  void events_of_the_events_api_print_like_core_events() {
    nextAnswers = list(new JsonObject().put("kind", "Event").put("apiVersion", "events.k8s.io/v1")
        .put("metadata", new JsonObject().put("name", "kube-node01.1").put("namespace", "default"))
        .put("regarding", new JsonObject().put("kind", "Node").put("name", "kube-node01"))
        .put("reason", "Cordoned").put("note", "Cordoned by Takeover").put("type", "Normal")
        .put("reportingController", "takeover").put("reportingInstance", "takeover-0")
        .put("eventTime", "2026-11-25T08:40:14.000000Z"));

    JsonObject table = body(facade.handle(get("/apis/events.k8s.io/v1/namespaces/default/events", TABLE), next));

    assertEquals(new JsonArray().add("60s").add("Normal").add("Cordoned").add("node/kube-node01").add("")
        .add("takeover, takeover-0").add("Cordoned by Takeover").add("60s").add(1L).add("kube-node01.1"),
        table.getJsonArray("rows").getJsonObject(0).getJsonArray("cells"));
  }

  @Test
  void an_error_of_the_simulator_is_passed_on_as_json() {
    Dispatcher notFound = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"code\":404}");
      }
    };

    MockResponse response = facade.handle(get("/api/v1/namespaces/default/pods/nobody", TABLE), notFound);

    assertEquals(404, response.code());
    assertEquals("application/json", response.header("Content-Type"));
  }

  @Test
  void a_typed_client_that_prefers_protobuf_gets_json_lists_of_their_own_kind() {
    nextAnswers = list(pod("mysql-0"));

    MockResponse response = facade.handle(get("/api/v1/pods?fieldSelector=spec.nodeName%3Dkube-node01", PROTOBUF), next);

    assertEquals("application/json", response.header("Content-Type"));
    assertEquals("PodList", body(response).getString("kind"));
    assertEquals("v1", body(response).getString("apiVersion"));
    assertEquals("application/json", forwarded.get(0).getHeader("Accept"));
  }

  @Test
  void a_statefulset_list_for_a_typed_client_is_a_StatefulSetList_of_apps_v1() {
    MockResponse response = facade.handle(get("/apis/apps/v1/namespaces/default/statefulsets", PROTOBUF), next);

    assertEquals("StatefulSetList", body(response).getString("kind"));
    assertEquals("apps/v1", body(response).getString("apiVersion"));
  }

  @Test
  void kubectl_cordons_patch_is_applied_as_the_merge_patch_it_is_equivalent_to() {
    MockResponse response = facade.handle(request(HttpMethod.PATCH, "/api/v1/nodes/kube-node01", PROTOBUF,
        "application/strategic-merge-patch+json", "{\"spec\":{\"unschedulable\":true}}"), next);

    assertEquals("application/json", response.header("Content-Type"));
    RecordedRequest patch = forwarded.get(0);
    assertEquals("application/merge-patch+json", patch.getHeader("Content-Type"));
    assertEquals("{\"spec\":{\"unschedulable\":true}}", new String(patch.getBody().getBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void a_strategic_merge_patch_with_lists_or_directives_is_left_to_the_simulator() {
    RecordedRequest taints = request(HttpMethod.PATCH, "/api/v1/nodes/kube-node01", "application/json",
        "application/strategic-merge-patch+json", "{\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]}}");
    RecordedRequest directive = request(HttpMethod.PATCH, "/api/v1/nodes/kube-node01", "application/json",
        "application/strategic-merge-patch+json", "{\"metadata\":{\"$retainKeys\":[\"labels\"]}}");

    assertNull(facade.handle(taints, next));
    assertNull(facade.handle(directive, next));
    assertTrue(forwarded.isEmpty());
  }

  @Test
  void plain_json_requests_watches_and_writes_are_let_through() {
    assertNull(facade.handle(get("/api/v1/namespaces/default/pods", "application/json"), next));
    assertNull(facade.handle(get("/api/v1/namespaces/default/pods?watch=true", TABLE), next));
    assertNull(facade.handle(get("/api/v1/namespaces/default/pods/mysql-0/log", TABLE), next));
    assertNull(facade.handle(request(HttpMethod.POST, "/api/v1/namespaces/default/pods/mysql-0/eviction",
        "application/json", "application/json", "{}"), next));
    assertTrue(forwarded.isEmpty());
  }

  @Test
  void the_version_is_that_of_a_v1_32_server() {
    JsonObject version = body(facade.handle(get("/version", "application/json, */*"), next));

    assertEquals("v1.32.13", version.getString("gitVersion"));
    assertEquals("32", version.getString("minor"));
  }

  @Test
  void legacy_discovery_names_the_server_address_the_client_used() {
    RecordedRequest api = new RecordedRequest("HTTP/1.1", HttpMethod.GET, "/api", Headers.builder()
        .add("Accept", "application/json").add("Host", "127.0.0.1:40513").build(), new Buffer());

    JsonObject versions = body(facade.handle(api, next));

    assertEquals("127.0.0.1:40513", versions.getJsonArray("serverAddressByClientCIDRs").getJsonObject(0)
        .getString("serverAddress"));
  }

  private static RecordedRequest get(String path, String accept) {
    return request(HttpMethod.GET, path, accept, null, "");
  }

  private static RecordedRequest request(HttpMethod method, String path, String accept, String contentType,
      String body) {
    Headers.Builder headers = Headers.builder().add("Accept", accept);
    if (contentType != null) {
      headers.add("Content-Type", contentType);
    }
    return new RecordedRequest("HTTP/1.1", method, path, headers.build(),
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** A list as the CRUD mock answers it: kind List of v1, whatever the items. */
  private static JsonObject list(JsonObject... items) {
    return new JsonObject().put("apiVersion", "v1").put("kind", "List")
        .put("metadata", new JsonObject().put("resourceVersion", "7"))
        .put("items", new JsonArray(List.of((Object[]) items)));
  }

  private static JsonObject pod(String name) {
    return TablesMatchTheRecordedServerTest.object("pod-mysql-0").copy()
        .put("metadata", new JsonObject().put("name", name).put("namespace", "default"));
  }

  private static JsonObject body(MockResponse response) {
    return new JsonObject(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
  }
}
