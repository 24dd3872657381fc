package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents of a v1.32 API server. The aggregated documents of {@code /api} and {@code /apis}
 * are the recorded ones; the legacy documents ({@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/G},
 * {@code /apis/G/V}) are derived from them, the way the server derives both from the same registry. So a
 * client gets the same groups, resources, verbs and kinds whichever way it asks.
 */
final class Discovery {
  static final String AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList";

  /** A discovery answer and the content type it is sent with. */
  record Answer(String contentType, JsonObject body) {
  }

  private final JsonObject coreAggregated;
  private final JsonObject groupsAggregated;
  /** "v1" for the core group, "apps/v1" and so on for the others, in the server's order. */
  private final Map<String, JsonObject> versionsByGroupVersion = new LinkedHashMap<>();

  Discovery() {
    this(SimResources.json("discovery-api-aggregated.json"), SimResources.json("discovery-apis-aggregated.json"));
  }

  Discovery(JsonObject coreAggregated, JsonObject groupsAggregated) {
    this.coreAggregated = coreAggregated;
    this.groupsAggregated = groupsAggregated;
    for (JsonObject group : items(coreAggregated)) {
      versions(group).forEach(v -> versionsByGroupVersion.put(v.getString("version"), v));
    }
    for (JsonObject group : items(groupsAggregated)) {
      String name = group.getJsonObject("metadata").getString("name");
      versions(group).forEach(v -> versionsByGroupVersion.put(name + "/" + v.getString("version"), v));
    }
  }

  /**
   * The answer to {@code GET path}, or empty when the path is not a discovery document.
   *
   * @param serverAddress host:port the client used, for {@code serverAddressByClientCIDRs}
   */
  Optional<Answer> answer(String path, Accept accept, String serverAddress) {
    Optional<String> aggregated = accept.aggregatedDiscoveryVersion();
    if (path.equals("/api") || path.equals("/apis")) {
      if (aggregated.isPresent()) {
        JsonObject doc = (path.equals("/api") ? coreAggregated : groupsAggregated).copy()
            .put("apiVersion", "apidiscovery.k8s.io/" + aggregated.get());
        return Optional.of(new Answer(String.format(AGGREGATED_CONTENT_TYPE, aggregated.get()), doc));
      }
      return Optional.of(json(path.equals("/api") ? apiVersions(serverAddress) : groupList()));
    }
    if (path.startsWith("/api/")) {
      return resourceList(path.substring("/api/".length())).map(Discovery::json);
    }
    if (path.startsWith("/apis/")) {
      String groupVersion = path.substring("/apis/".length());
      if (!groupVersion.contains("/")) {
        return group(groupVersion).map(Discovery::json);
      }
      return resourceList(groupVersion).map(Discovery::json);
    }
    return Optional.empty();
  }

  JsonObject apiVersions(String serverAddress) {
    JsonArray versions = new JsonArray();
    items(coreAggregated).forEach(g -> versions(g).forEach(v -> versions.add(v.getString("version"))));
    return new JsonObject().put("kind", "APIVersions").put("versions", versions)
        .put("serverAddressByClientCIDRs", new JsonArray().add(new JsonObject()
            .put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress)));
  }

  JsonObject groupList() {
    JsonArray groups = new JsonArray();
    items(groupsAggregated).forEach(g -> groups.add(legacyGroup(g)));
    return new JsonObject().put("kind", "APIGroupList").put("apiVersion", "v1").put("groups", groups);
  }

  Optional<JsonObject> group(String name) {
    return items(groupsAggregated).stream()
        .filter(g -> name.equals(g.getJsonObject("metadata").getString("name")))
        .findFirst()
        .map(g -> legacyGroup(g).put("kind", "APIGroup").put("apiVersion", "v1"));
  }

  /** The APIResourceList of {@code groupVersion} ("v1", "apps/v1", …), subresources as "pods/eviction". */
  Optional<JsonObject> resourceList(String groupVersion) {
    JsonObject version = versionsByGroupVersion.get(groupVersion);
    if (version == null) {
      return Optional.empty();
    }
    JsonArray resources = new JsonArray();
    for (Object r : version.getJsonArray("resources")) {
      JsonObject resource = (JsonObject) r;
      boolean namespaced = "Namespaced".equals(resource.getString("scope"));
      JsonObject entry = new JsonObject()
          .put("name", resource.getString("resource"))
          .put("singularName", resource.getString("singularResource", ""))
          .put("namespaced", namespaced);
      putKind(entry, resource.getJsonObject("responseKind"));
      entry.put("verbs", resource.getJsonArray("verbs", new JsonArray()));
      copyIfPresent(resource, entry, "shortNames");
      copyIfPresent(resource, entry, "categories");
      resources.add(entry);
      for (Object s : resource.getJsonArray("subresources", new JsonArray())) {
        JsonObject sub = (JsonObject) s;
        JsonObject subEntry = new JsonObject()
            .put("name", resource.getString("resource") + "/" + sub.getString("subresource"))
            .put("singularName", "")
            .put("namespaced", namespaced);
        putKind(subEntry, sub.getJsonObject("responseKind"));
        subEntry.put("verbs", sub.getJsonArray("verbs", new JsonArray()));
        resources.add(subEntry);
      }
    }
    JsonObject list = new JsonObject().put("kind", "APIResourceList");
    if (groupVersion.contains("/")) {
      list.put("apiVersion", "v1");
    }
    return Optional.of(list.put("groupVersion", groupVersion).put("resources", resources));
  }

  /** The kind of {@code resource} in {@code group}/{@code version} ("Pod" for pods), if the server has it. */
  Optional<String> kind(String group, String version, String resource) {
    JsonObject served = versionsByGroupVersion.get(group.isEmpty() ? version : group + "/" + version);
    if (served == null) {
      return Optional.empty();
    }
    return served.getJsonArray("resources").stream().map(JsonObject.class::cast)
        .filter(r -> resource.equals(r.getString("resource")))
        .map(r -> r.getJsonObject("responseKind").getString("kind"))
        .findFirst();
  }

  private static JsonObject legacyGroup(JsonObject aggregatedGroup) {
    String name = aggregatedGroup.getJsonObject("metadata").getString("name");
    JsonArray versions = new JsonArray();
    versions(aggregatedGroup).forEach(v -> versions.add(new JsonObject()
        .put("groupVersion", name + "/" + v.getString("version")).put("version", v.getString("version"))));
    // the aggregated document lists the preferred version first
    return new JsonObject().put("name", name).put("versions", versions)
        .put("preferredVersion", versions.getJsonObject(0).copy());
  }

  /** Legacy entries name group and version only when the kind lives in another group (pods/eviction). */
  private static void putKind(JsonObject entry, JsonObject responseKind) {
    if (responseKind == null) {
      return;
    }
    if (!responseKind.getString("group", "").isEmpty()) {
      entry.put("group", responseKind.getString("group"));
    }
    if (!responseKind.getString("version", "").isEmpty()) {
      entry.put("version", responseKind.getString("version"));
    }
    entry.put("kind", responseKind.getString("kind"));
  }

  private static void copyIfPresent(JsonObject from, JsonObject to, String key) {
    if (from.getValue(key) != null) {
      to.put(key, from.getValue(key));
    }
  }

  private static java.util.List<JsonObject> items(JsonObject list) {
    return list.getJsonArray("items").stream().map(JsonObject.class::cast).toList();
  }

  private static java.util.List<JsonObject> versions(JsonObject group) {
    return group.getJsonArray("versions").stream().map(JsonObject.class::cast).toList();
  }

  private static Answer json(JsonObject body) {
    return new Answer("application/json", body);
  }
}
