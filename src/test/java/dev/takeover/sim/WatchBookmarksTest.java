package dev.takeover.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.takeover.sim.RawWatch.metadata;
import static dev.takeover.sim.RawWatch.type;
import static dev.takeover.sim.RawWatch.version;
import static dev.takeover.sim.WatchSemanticsTest.CONFIGMAPS;
import static dev.takeover.sim.WatchSemanticsTest.QUIET;
import static dev.takeover.sim.WatchSemanticsTest.configMap;
import static dev.takeover.sim.WatchSemanticsTest.listVersion;
import static dev.takeover.sim.WatchSemanticsTest.quiet;
import static dev.takeover.sim.WatchSemanticsTest.typeAndName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming lists (sendInitialEvents), bookmarks, timeoutSeconds, and the requests a server refuses. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WatchBookmarksTest {
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void send_initial_events_gives_the_objects_then_a_bookmark_marking_their_end_then_the_changes() {
    cluster = quiet().start();
    KubernetesClient client = cluster.client();
    configMap(client, "a", Map.of());
    configMap(client, "b", Map.of());
    long now = listVersion(client);

    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS
        + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")) {
      assertEquals(Set.of("ADDED a", "ADDED b"), Set.of(typeAndName(watch.nextEvent()), typeAndName(watch.nextEvent())));
      assertEquals("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{"
          + "\"resourceVersion\":\"" + now + "\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}",
          watch.next(Duration.ofSeconds(5)));
      configMap(client, "c", Map.of());
      assertEquals("ADDED c", typeAndName(watch.nextEvent()));
    }
  }

  @Test
  void send_initial_events_without_resource_version_match_not_older_than_is_refused_with_422() {
    cluster = quiet().start();
    RawApi.Answer answer = new RawApi(cluster).get(CONFIGMAPS + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true");

    assertEquals(422, answer.code());
    assertEquals(RawApi.tree("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"ListOptions.meta.k8s.io \\\"\\\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents "
        + "requires setting resourceVersionMatch to NotOlderThan\",\"reason\":\"Invalid\",\"details\":{\"group\":"
        + "\"meta.k8s.io\",\"kind\":\"ListOptions\",\"causes\":[{\"reason\":\"FieldValueForbidden\",\"message\":"
        + "\"Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan\",\"field\":"
        + "\"resourceVersionMatch\"}]},\"code\":422}"), answer.json());
    assertEquals(422, new RawApi(cluster).get(CONFIGMAPS + "?watch=true&resourceVersionMatch=NotOlderThan").code(),
        "resourceVersionMatch without sendInitialEvents");
  }

  @Test
  void a_plain_http_watch_is_refused_the_simulated_server_streams_over_websockets_only() {
    cluster = quiet().start();
    assertEquals(406, new RawApi(cluster).get(CONFIGMAPS + "?watch=true").code());
  }

  @Test
  void bookmarks_come_every_bookmark_interval_once_the_store_has_moved_on() {
    cluster = quiet().watchBookmarkInterval(Duration.ofMillis(200)).start();
    KubernetesClient client = cluster.client();
    configMap(client, "a", Map.of());
    long listed = listVersion(client);

    try (RawWatch watch = RawWatch.open(cluster,
        CONFIGMAPS + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + listed)) {
      // nothing happened since the watch's version: a real watcher sends no bookmark then either
      assertNull(watch.poll(Duration.ofMillis(600)));
      configMap(client, "b", Map.of());
      assertEquals("ADDED b", typeAndName(watch.nextEvent()));
      Map<String, Object> bookmark = watch.nextEvent();
      assertEquals("BOOKMARK", type(bookmark));
      assertEquals(listVersion(client), version(bookmark));
      assertEquals(Map.of("resourceVersion", String.valueOf(listVersion(client))), metadata(bookmark));
      assertEquals("BOOKMARK", type(watch.nextEvent()), "and again, at the interval");
    }
  }

  @Test
  void no_bookmark_is_sent_to_a_watch_that_did_not_allow_them() {
    cluster = quiet().watchBookmarkInterval(Duration.ofMillis(100)).start();
    KubernetesClient client = cluster.client();
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion(client))) {
      configMap(client, "a", Map.of());
      assertEquals("ADDED a", typeAndName(watch.nextEvent()));
      assertNull(watch.poll(Duration.ofMillis(500)));
    }
  }

  @Test
  void timeout_seconds_ends_the_watch_cleanly_after_a_bookmark_two_seconds_before() {
    cluster = quiet().start(); // bookmark interval: a minute, as a real server
    KubernetesClient client = cluster.client();
    long listed = listVersion(client);
    long opened = System.nanoTime();
    try (RawWatch watch = RawWatch.open(cluster,
        CONFIGMAPS + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=" + listed)) {
      configMap(client, "a", Map.of());
      assertEquals("ADDED a", typeAndName(watch.nextEvent()));
      Map<String, Object> bookmark = watch.nextEvent();
      assertEquals(List.of("BOOKMARK", listVersion(client)), List.of(type(bookmark), version(bookmark)));
      assertEquals(1000, watch.awaitEnd(Duration.ofSeconds(10)).code());
      long seconds = Duration.ofNanos(System.nanoTime() - opened).toSeconds();
      assertTrue(seconds >= 2 && seconds < 8, "ended after " + seconds + " s");
      assertNull(watch.poll(Duration.ZERO));
    }
  }

  @Test
  void a_short_timeout_ends_the_watch_without_any_event() {
    cluster = quiet().start();
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1"
        + "&resourceVersion=" + listVersion(cluster.client()))) {
      assertEquals(1000, watch.awaitEnd(Duration.ofSeconds(5)).code());
      assertNull(watch.poll(QUIET));
    }
  }
}
