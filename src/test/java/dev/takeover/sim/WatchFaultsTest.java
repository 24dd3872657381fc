package dev.takeover.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.takeover.sim.WatchSemanticsTest.CONFIGMAPS;
import static dev.takeover.sim.WatchSemanticsTest.QUIET;
import static dev.takeover.sim.WatchSemanticsTest.configMap;
import static dev.takeover.sim.WatchSemanticsTest.listVersion;
import static dev.takeover.sim.WatchSemanticsTest.typeAndName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watch faults a test can switch on a running cluster: {@link SimulatedCluster#watchFaults()}. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WatchFaultsTest {
  /** What kube-apiserver v1.32 with WatchList answers on etcd older than 3.5.13. */
  static final String REQUEST_WATCH_PROGRESS_DISABLED = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
      + "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"a watch stream was requested by the "
      + "client but the required storage feature RequestWatchProgress is disabled\",\"reason\":\"InternalError\","
      + "\"code\":500}}";

  private SimulatedCluster cluster;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    cluster = WatchSemanticsTest.quiet().start();
    client = cluster.client();
    configMap(client, "a", Map.of());
    configMap(client, "b", Map.of());
    configMap(client, "c", Map.of());
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void without_resource_version_a_watch_gets_the_request_watch_progress_error_and_ends() {
    cluster.watchFaults().noResourceVersionFails(true);

    for (String query : List.of("?watch=true", "?watch=true&resourceVersion=")) {
      try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + query)) {
        assertEquals(REQUEST_WATCH_PROGRESS_DISABLED, watch.next(Duration.ofSeconds(5)), query);
        assertEquals(1000, watch.awaitEnd(Duration.ofSeconds(5)).code(), query);
        assertNull(watch.poll(Duration.ZERO));
      }
    }
    try (RawWatch fromVersion = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion(client))) {
      configMap(client, "d", Map.of());
      assertEquals("ADDED d", typeAndName(fromVersion.nextEvent()), "a watch from a resourceVersion is served");
    }
    cluster.watchFaults().clear();
    try (RawWatch plain = RawWatch.open(cluster, CONFIGMAPS + "?watch=true")) {
      assertEquals("ADDED", RawWatch.type(plain.nextEvent()));
    }
  }

  @Test
  void a_refused_watch_is_seen_whole_however_late_the_thread_that_asked_for_it_gets_back() throws Exception {
    cluster.watchFaults().noResourceVersionFails(true);
    int idle = cluster.openConnections();
    // The asking thread is held until the server has refused the watch and its connection is gone, as a loaded
    // machine may hold a thread: a worker of the clients' own Vert.x, whose callbacks wait behind the task it runs.
    CompletableFuture<CompletableFuture<RawWatch>> asked = new CompletableFuture<>();
    ((VertxInternal) cluster.vertx()).createWorkerContext().runOnContext(v -> {
      try {
        CompletableFuture<RawWatch> opening = RawWatch.openAsync(cluster, CONFIGMAPS + "?watch=true");
        Await.await("the watch refused and its connection closed", Duration.ofSeconds(5), () -> cluster.requestLog()
            .contains("GET " + CONFIGMAPS + "?watch=true") && cluster.openConnections() <= idle);
        asked.complete(opening);
      } catch (Throwable e) {
        asked.completeExceptionally(e);
      }
    });
    try (RawWatch watch = asked.get(10, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)) {
      assertEquals(REQUEST_WATCH_PROGRESS_DISABLED, watch.next(Duration.ofSeconds(5)));
      assertEquals(1000, watch.awaitEnd(Duration.ofSeconds(5)).code());
    }
  }

  @Test
  void a_watch_s_connection_is_released_however_the_watch_ends() {
    int idle = cluster.openConnections();
    cluster.watchFaults().noResourceVersionFails(true);
    try (RawWatch refused = RawWatch.open(cluster, CONFIGMAPS + "?watch=true")) {
      assertEquals(1000, refused.awaitEnd(Duration.ofSeconds(5)).code());
      Await.await("the connection of a watch the server ended released", Duration.ofSeconds(5),
          () -> cluster.openConnections() == idle);
    }
    cluster.watchFaults().clear();
    RawWatch closed = RawWatch.open(cluster, CONFIGMAPS + "?watch=true");
    assertEquals(idle + 1, cluster.openConnections());
    closed.close();
    Await.await("the connection of a watch the client closed released", Duration.ofSeconds(5),
        () -> cluster.openConnections() == idle);
    cluster.watchFaults().cutAfterEvents(1);
    try (RawWatch cut = RawWatch.open(cluster, CONFIGMAPS + "?watch=true")) {
      assertEquals(-1, cut.awaitEnd(Duration.ofSeconds(5)).code());
      Await.await("the connection of a cut watch released", Duration.ofSeconds(5),
          () -> cluster.openConnections() == idle);
    }
  }

  @Test
  void cut_after_events_closes_the_connection_without_error_event_or_close_frame() {
    cluster.watchFaults().cutAfterEvents(2);
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true")) {
      assertEquals("ADDED", RawWatch.type(watch.nextEvent()));
      assertEquals("ADDED", RawWatch.type(watch.nextEvent()));
      RawWatch.End end = watch.awaitEnd(Duration.ofSeconds(5));
      assertEquals(-1, end.code(), "cut (the client's error), not closed: " + end);
      assertNull(watch.poll(Duration.ZERO), "the third ADDED was never sent");
    }
  }

  @Test
  void cut_after_a_duration_ends_a_quiet_watch() {
    cluster.watchFaults().cutAfter(Duration.ofMillis(300));
    long opened = System.nanoTime();
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion(client))) {
      RawWatch.End end = watch.awaitEnd(Duration.ofSeconds(5));
      assertEquals(-1, end.code(), "cut (the client's error), not closed: " + end);
      assertTrue(Duration.ofNanos(System.nanoTime() - opened).toMillis() >= 250);
      assertNull(watch.poll(Duration.ZERO));
    }
  }

  @Test
  void a_silent_watch_is_accepted_and_never_sends_anything_not_even_its_timeout() {
    cluster.watchFaults().silent(true);
    try (RawWatch watch = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1")) {
      configMap(client, "d", Map.of());
      assertNull(watch.poll(Duration.ofMillis(1500)));
      assertFalse(watch.ended());
    }
  }

  @Test
  void faults_switched_on_apply_to_open_watches_counted_from_the_switch() {
    try (RawWatch open = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion(client))) {
      configMap(client, "d", Map.of());
      assertEquals("ADDED d", typeAndName(open.nextEvent()));
      cluster.watchFaults().cutAfterEvents(1);
      configMap(client, "e", Map.of());
      configMap(client, "f", Map.of());
      assertEquals("ADDED e", typeAndName(open.nextEvent()));
      assertEquals(-1, open.awaitEnd(Duration.ofSeconds(5)).code());
      assertNull(open.poll(Duration.ZERO));
    }
    cluster.watchFaults().clear().silent(true);
    try (RawWatch silenced = RawWatch.open(cluster, CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion(client))) {
      configMap(client, "g", Map.of());
      assertNull(silenced.poll(QUIET));
      cluster.watchFaults().clear();
      configMap(client, "h", Map.of());
      assertNull(silenced.poll(QUIET), "a watch that fell silent stays so");
    }
  }

  @Test
  void only_for_restricts_the_faults_to_one_resource() {
    cluster.watchFaults().onlyFor("pods").silent(true).noResourceVersionFails(true);
    try (RawWatch configMaps = RawWatch.open(cluster, CONFIGMAPS + "?watch=true");
         RawWatch pods = RawWatch.open(cluster, "/api/v1/namespaces/default/pods?watch=true")) {
      assertEquals("ADDED", RawWatch.type(configMaps.nextEvent()));
      cluster.scenario().pod("default", "p", p -> p.nodeSelector("disk", "none")).apply();
      assertNull(pods.poll(QUIET));
    }
  }

  @Test
  void fabric8_watches_reconnect_after_a_cut_from_the_last_version_they_saw() throws Exception {
    var events = new java.util.concurrent.LinkedBlockingQueue<String>();
    cluster.watchFaults().cutAfterEvents(3);
    // From the list's version, and the three changes made once the watch is open: fabric8 opens its watches from
    // the calling thread, and frames that come with the 101 (a watch's initial events) can then go to no handler
    // (see the README, "When watches fail"). This test is about the reconnect, not that.
    String start = String.valueOf(listVersion(client));
    try (var watch = client.configMaps().withResourceVersion(start).watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override
      public void eventReceived(Action action, io.fabric8.kubernetes.api.model.ConfigMap cm) {
        events.add(action + " " + cm.getMetadata().getName());
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
      }
    })) {
      for (String name : List.of("x", "y", "z")) {
        configMap(client, name, Map.of());
      }
      for (int i = 0; i < 3; i++) {
        assertTrue(events.poll(5, java.util.concurrent.TimeUnit.SECONDS).startsWith("ADDED"));
      }
      cluster.watchFaults().clear();
      String version = String.valueOf(listVersion(client));
      Await.await("a watch again, from the last version seen", Duration.ofSeconds(10), () -> cluster.requestLog()
          .stream().anyMatch(r -> r.contains("watch=true") && r.contains("resourceVersion=" + version)));
      configMap(client, "d", Map.of());
      assertEquals("ADDED d", events.poll(5, java.util.concurrent.TimeUnit.SECONDS));
    }
  }
}
