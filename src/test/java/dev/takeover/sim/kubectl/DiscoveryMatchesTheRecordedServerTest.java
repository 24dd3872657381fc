package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The discovery documents the facade serves are those a real v1.32 server served: the legacy ones derived from
 * the aggregated recording equal the legacy recordings, and the resources kubectl and Takeover use are there
 * with their kinds, scope and verbs.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DiscoveryMatchesTheRecordedServerTest {
  static final Accept LEGACY = Accept.parse("application/json, */*");
  static final Accept AGGREGATED = Accept.parse("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");

  final Discovery discovery = new Discovery();

  @ParameterizedTest(name = "GET {0} is the recorded {1}")
  @CsvSource({
      "/api, discovery-api",
      "/api/v1, discovery-api-v1",
      "/apis, discovery-apis",
      "/apis/apps/v1, discovery-apps-v1",
      "/apis/policy/v1, discovery-policy-v1"})
  void legacy_documents_derived_from_the_aggregated_ones_equal_the_recorded_ones(String path, String recording) {
    Discovery.Answer answer = discovery.answer(path, LEGACY, "127.0.0.1:6443").orElseThrow();

    assertEquals("application/json", answer.contentType());
    // storageVersionHash is for storage migration, not clients; the aggregated documents do not carry it
    assertEquals(withoutStorageVersionHash(SimResources.json("recorded/" + recording + ".json")), answer.body());
  }

  @Test
  void a_client_asking_for_aggregated_discovery_gets_the_recorded_v2_documents() {
    Discovery.Answer api = discovery.answer("/api", AGGREGATED, "127.0.0.1:6443").orElseThrow();
    Discovery.Answer apis = discovery.answer("/apis", AGGREGATED, "127.0.0.1:6443").orElseThrow();

    assertEquals("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", api.contentType());
    assertEquals(SimResources.json("discovery-api-aggregated.json"), api.body());
    assertEquals(SimResources.json("discovery-apis-aggregated.json"), apis.body());
  }

  @ParameterizedTest(name = "{0}/{1} {2}: {3}, namespaced {4}")
  @CsvSource({
      "'',                     v1, pods,                   Pod,                   true",
      "'',                     v1, nodes,                  Node,                  false",
      "'',                     v1, events,                 Event,                 true",
      "'',                     v1, persistentvolumeclaims, PersistentVolumeClaim, true",
      "'',                     v1, persistentvolumes,      PersistentVolume,      false",
      "'',                     v1, services,               Service,               true",
      "'',                     v1, namespaces,             Namespace,             false",
      "apps,                   v1, statefulsets,           StatefulSet,           true",
      "apps,                   v1, daemonsets,             DaemonSet,             true",
      "apps,                   v1, deployments,            Deployment,            true",
      "policy,                 v1, poddisruptionbudgets,   PodDisruptionBudget,   true",
      "coordination.k8s.io,    v1, leases,                 Lease,                 true",
      "storage.k8s.io,         v1, storageclasses,         StorageClass,          false",
      "storage.k8s.io,         v1, volumeattachments,      VolumeAttachment,      false",
      "events.k8s.io,          v1, events,                 Event,                 true",
      "batch,                  v1, jobs,                   Job,                   true",
      "discovery.k8s.io,       v1, endpointslices,         EndpointSlice,         true",
      "rbac.authorization.k8s.io, v1, clusterroles,        ClusterRole,           false"})
  void the_resources_kubectl_reads_are_served_with_their_kind_scope_and_verbs(String group, String version,
      String resource, String kind, boolean namespaced) {
    String path = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    JsonObject list = discovery.answer(path, LEGACY, "127.0.0.1:6443").orElseThrow().body();

    JsonObject entry = list.getJsonArray("resources").stream().map(JsonObject.class::cast)
        .filter(r -> resource.equals(r.getString("name"))).findFirst().orElseThrow(() -> new AssertionError(
            resource + " missing from " + path));
    assertEquals(kind, entry.getString("kind"));
    assertEquals(namespaced, entry.getBoolean("namespaced"));
    assertTrue(entry.getJsonArray("verbs").stream().toList().containsAll(List.of("get", "list", "watch", "create", "delete",
        "patch", "update")), entry.encode());
  }

  @Test
  void pods_have_the_eviction_subresource_of_policy_v1_and_nodes_their_status() {
    JsonArray resources = discovery.resourceList("v1").orElseThrow().getJsonArray("resources");

    assertTrue(resources.contains(new JsonObject().put("name", "pods/eviction").put("singularName", "")
        .put("namespaced", true).put("group", "policy").put("version", "v1").put("kind", "Eviction")
        .put("verbs", new JsonArray().add("create"))), resources.encode());
    assertTrue(resources.stream().anyMatch(r -> "nodes/status".equals(((JsonObject) r).getString("name"))));
  }

  @Test
  void a_group_and_an_unknown_group_version() {
    JsonObject apps = discovery.answer("/apis/apps", LEGACY, "127.0.0.1:6443").orElseThrow().body();

    assertEquals("APIGroup", apps.getString("kind"));
    assertEquals("apps/v1", apps.getJsonObject("preferredVersion").getString("groupVersion"));
    assertTrue(discovery.answer("/apis/apps/v1beta1", LEGACY, "127.0.0.1:6443").isEmpty());
    assertTrue(discovery.answer("/api/v1/pods", LEGACY, "127.0.0.1:6443").isEmpty());
  }

  private static JsonObject withoutStorageVersionHash(JsonObject document) {
    JsonArray resources = document.getJsonArray("resources");
    if (resources != null) {
      resources.forEach(r -> ((JsonObject) r).remove("storageVersionHash"));
    }
    return document;
  }
}
