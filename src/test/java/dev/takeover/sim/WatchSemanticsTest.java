package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.takeover.sim.RawWatch.name;
import static dev.takeover.sim.RawWatch.type;
import static dev.takeover.sim.RawWatch.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Watches as a real API server's watch cache serves them: from a resourceVersion, compacted history, selectors. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WatchSemanticsTest {
  static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
  static final Duration QUIET = Duration.ofMillis(300);

  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    cluster.close();
  }

  private KubernetesClient start(SimulatedCluster.Builder builder) {
    cluster = builder.start();
    return cluster.client();
  }

  /** No controllers: the only changes are the test's. */
  static SimulatedCluster.Builder quiet() {
    return SimulatedCluster.builder().controllers();
  }

  static ConfigMap configMap(KubernetesClient client, String name, Map<String, String> labels) {
    return client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels)
        .endMetadata().addToData("k", "v").build()).create();
  }

  static long listVersion(KubernetesClient client) {
    return Long.parseLong(client.configMaps().list().getMetadata().getResourceVersion());
  }

  @Test
  void a_watch_from_a_list_s_resource_version_gets_the_later_changes_only_in_order() {
    KubernetesClient client = start(quiet());
    configMap(client, "a", Map.of());
    configMap(client, "b", Map.of());
    long listed = listVersion(client);
    configMap(client, "c", Map.of());
    client.configMaps().withName("a").edit(cm -> new ConfigMapBuilder(cm).addToData("k", "w").build());

    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listed)) {
      Map<String, Object> added = watch.nextEvent();
      Map<String, Object> modified = watch.nextEvent();
      assertEquals(List.of("ADDED c", "MODIFIED a"), List.of(type(added) + " " + name(added),
          type(modified) + " " + name(modified)));
      assertTrue(listed < version(added) && version(added) < version(modified));

      long before = Long.parseLong(client.configMaps().withName("b").get().getMetadata().getResourceVersion());
      client.configMaps().withName("b").delete();
      Map<String, Object> deleted = watch.nextEvent();
      assertEquals("DELETED b", type(deleted) + " " + name(deleted));
      assertTrue(version(deleted) > before, "a deletion is a change of its own, with a new resourceVersion");
      assertEquals(version(deleted), listVersion(client));
      assertNull(watch.poll(QUIET));
    }
  }

  @Test
  void list_then_watch_while_changes_go_on_sees_every_object_exactly_once() throws Exception {
    KubernetesClient client = start(quiet());
    int count = 60;
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < count; i++) {
        configMap(client, "cm-" + i, Map.of());
      }
    });
    Await.await("a few created", Duration.ofSeconds(10), () -> client.configMaps().list().getItems().size() >= 5);
    var list = client.configMaps().list();
    List<String> seen = new ArrayList<>(list.getItems().stream().map(c -> c.getMetadata().getName()).toList());
    try (RawWatch watch = RawWatch.open(cluster,
        CONFIGMAPS + "?watch=true&resourceVersion=" + list.getMetadata().getResourceVersion())) {
      writer.get(30, TimeUnit.SECONDS);
      while (seen.size() < count) {
        Map<String, Object> event = watch.nextEvent();
        assertEquals("ADDED", type(event));
        seen.add(name(event));
      }
      assertNull(watch.poll(QUIET));
    }
    Set<String> distinct = new HashSet<>(seen);
    assertEquals(count, distinct.size(), "no object listed and watched twice, none missed: " + seen);
  }

  @Test
  void a_watch_without_resource_version_or_from_0_starts_with_added_for_what_exists() {
    KubernetesClient client = start(quiet());
    configMap(client, "a", Map.of());
    configMap(client, "b", Map.of());
    for (String query : List.of("?watch=true", "?watch=1&resourceVersion=", "?watch=true&resourceVersion=0")) {
      try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + query)) {
        Set<String> initial = Set.of(typeAndName(watch.nextEvent()), typeAndName(watch.nextEvent()));
        assertEquals(Set.of("ADDED a", "ADDED b"), initial, query);
        assertNull(watch.poll(QUIET), query);
      }
    }
  }

  @Test
  void a_watch_from_a_version_older_than_the_compacted_history_gets_410_expired_and_ends() {
    KubernetesClient client = start(quiet());
    configMap(client, "a", Map.of());
    long listed = listVersion(client);
    configMap(client, "b", Map.of());
    cluster.compactWatchHistory();
    long now = listVersion(client);

    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listed)) {
      assertEquals("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
          + "\"status\":\"Failure\",\"message\":\"too old resource version: " + listed + " (" + now + ")\","
          + "\"reason\":\"Expired\",\"code\":410}}", watch.next(Duration.ofSeconds(5)));
      assertEquals(1000, watch.awaitEnd(Duration.ofSeconds(5)).code());
    }
    try (RawWatch fromNow = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + now)) {
      configMap(client, "c", Map.of());
      assertEquals("ADDED c", typeAndName(fromNow.nextEvent()));
    }
  }

  @Test
  void the_history_keeps_the_last_watch_history_changes() {
    KubernetesClient client = start(quiet().watchHistory(3));
    configMap(client, "z", Map.of()); // so that the version before "a" is not 0, which means "any version"
    configMap(client, "a", Map.of());
    long first = listVersion(client);
    for (String name : List.of("b", "c", "d")) {
      configMap(client, name, Map.of());
    }
    try (RawWatch tooOld = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + (first - 1))) {
      String error = tooOld.next(Duration.ofSeconds(5));
      assertTrue(error.contains("too old resource version: " + (first - 1) + " (" + first + ")"), error);
    }
    try (RawWatch kept = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + first)) {
      assertEquals(List.of("ADDED b", "ADDED c", "ADDED d"),
          List.of(typeAndName(kept.nextEvent()), typeAndName(kept.nextEvent()), typeAndName(kept.nextEvent())));
    }
  }

  @Test
  void an_object_entering_a_label_selector_is_added_and_leaving_it_is_deleted_as_it_was_with_a_new_version() {
    KubernetesClient client = start(quiet());
    configMap(client, "x", Map.of("app", "other"));
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&labelSelector=app%3Ddb&resourceVersion="
        + listVersion(client))) {
      relabel(client, "x", "db");
      Map<String, Object> added = watch.nextEvent();
      assertEquals("ADDED x", typeAndName(added));
      client.configMaps().withName("x").edit(cm -> new ConfigMapBuilder(cm).addToData("more", "1").build());
      assertEquals("MODIFIED x", typeAndName(watch.nextEvent()));
      relabel(client, "x", "web");

      Map<String, Object> deleted = watch.nextEvent();
      assertEquals("DELETED x", typeAndName(deleted));
      assertEquals(Map.of("app", "db"), RawWatch.metadata(deleted).get("labels"), "the object as it last matched");
      assertEquals(listVersion(client), version(deleted), "with the version of the change that took it out");
      relabel(client, "x", "other");
      assertNull(watch.poll(QUIET));
    }
  }

  @Test
  void every_list_answers_the_store_s_current_resource_version_selected_or_empty() {
    KubernetesClient client = start(quiet());
    configMap(client, "a", Map.of("app", "db"));
    configMap(client, "b", Map.of());
    String current = client.configMaps().withName("b").get().getMetadata().getResourceVersion();
    RawApi api = new RawApi(cluster);
    for (String query : List.of("", "?labelSelector=app%3Ddb", "?labelSelector=app%3Dnone",
        "?fieldSelector=metadata.name%3Da")) {
      assertEquals(current, listVersionOf(api, CONFIGMAPS + query), query);
    }
    assertEquals(current, listVersionOf(api, "/api/v1/namespaces/elsewhere/pods"));
    assertEquals(current, listVersionOf(api, "/api/v1/pods?fieldSelector=spec.nodeName%3Dnowhere"));
  }

  @SuppressWarnings("unchecked")
  private static String listVersionOf(RawApi api, String path) {
    RawApi.Answer answer = api.get(path);
    assertEquals(200, answer.code(), path);
    return (String) ((Map<String, Object>) ((Map<String, Object>) answer.json()).get("metadata")).get("resourceVersion");
  }

  private static void relabel(KubernetesClient client, String name, String app) {
    client.configMaps().withName(name).edit(cm -> new ConfigMapBuilder(cm).editMetadata()
        .addToLabels("app", app).endMetadata().build());
  }

  static String typeAndName(Map<String, Object> event) {
    return type(event) + " " + name(event);
  }
}
