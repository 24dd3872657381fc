package dev.takeover.kube;

import dev.takeover.sim.RequestHook;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The list-watch every wait of the engine stands on, against the simulated API server's watch semantics: a
 * compacted version lists again, an ERROR event is a failure that is told, and the caller still hears every
 * change while its watch fails.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ListWatchTest {
  private static final Duration RELIST = Duration.ofMillis(400);

  private final AtomicReference<RequestHook> fault = new AtomicReference<>();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final List<String> told = new CopyOnWriteArrayList<>();
  /** The uids each list found, in order. */
  private final List<List<String>> lists = new CopyOnWriteArrayList<>();
  private SimulatedCluster sim;
  private Vertx vertx;
  private Kube kube;
  private ListWatch<Pod> lw;

  private void start() throws Exception {
    sim = SimulatedCluster.builder().timing(SimTiming.fast())
        .requestHook((r, next) -> fault.get() == null ? null : fault.get().handle(r, next)).start();
    Seed.apply(sim);
    sim.awaitSettled(Duration.ofSeconds(10));
    vertx = Vertx.vertx();
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).build();
    kube = Kube.connect(vertx, config, 4, "test");
    Context context = vertx.getOrCreateContext();
    CompletableFuture<ListWatch<Pod>> started = new CompletableFuture<>();
    WatchHealth health = new WatchHealth() {
      @Override
      public void failing(String what, String cause, Duration listingEvery) {
        told.add(what + ": " + cause);
      }

      @Override
      public void recovered(String what) {
        told.add(what + ": works again");
      }
    };
    context.runOnContext(v -> ListWatch.start(context, kube.calls(), WatchScope.podsOnNode("kube-node02"), RELIST, health,
        new ListWatch.Listener<Pod>() {
          @Override
          public void listed(List<Pod> items) {
            lists.add(items.stream().map(p -> p.getMetadata().getUid()).toList());
          }

          @Override
          public void changed(Watcher.Action action, Pod pod) {
            heard.add(action + " " + pod.getMetadata().getName() + " " + pod.getMetadata().getUid());
          }
        }).onSuccess(started::complete));
    lw = started.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (lw != null) {
      vertx.getOrCreateContext().runOnContext(v -> lw.close());
    }
    if (kube != null) {
      kube.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (sim != null) {
      sim.watchFaults().clear();
      sim.close();
    }
  }

  private static void within(Duration bound, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + bound + ": " + what);
      }
      LockSupport.parkNanos(10_000_000); // bounded polling
    }
  }

  private List<String> watches() {
    return sim.requestLog().stream().filter(p -> p.startsWith("GET /api/v1/pods?watch=true")).toList();
  }

  @Test
  void it_lists_then_watches_from_the_lists_version_and_hears_a_deletion_through_the_watch() throws Exception {
    start();
    within(Duration.ofSeconds(5), () -> !watches().isEmpty(), "a watch opened");
    String uid = sim.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
    sim.client().pods().inNamespace("default").withName("mysql-0").delete();

    within(Duration.ofSeconds(5), () -> heard.contains("DELETED mysql-0 " + uid), "DELETED through the watch: " + heard);
    assertTrue(watches().get(0).matches(".*[?&]resourceVersion=[1-9][0-9]*&allowWatchBookmarks=true&timeoutSeconds=[0-9]+"
        + "&fieldSelector=spec.nodeName%3Dkube-node02$"), watches().get(0));
    assertEquals(List.of(), told, "a healthy watch is not reported");
  }

  @Test
  void a_watch_answered_by_error_events_is_told_once_and_changes_still_arrive_by_listing() throws Exception {
    fault.set((r, next) -> r.getPath().startsWith("/api/v1/pods?watch=true") ? errorWatch() : null);
    start();
    String uid = sim.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
    sim.client().pods().inNamespace("default").withName("mysql-0").withGracePeriod(0).delete();

    // The watch never works, yet a later list tells the caller the pod is gone.
    int listsBefore = lists.size();
    within(Duration.ofSeconds(10), () -> lists.size() > listsBefore && !lists.get(lists.size() - 1).contains(uid),
        "a list without " + uid + ": " + lists);
    within(Duration.ofSeconds(10), () -> !told.isEmpty(), "told: " + told);
    assertEquals(List.of("pods on kube-node02: HTTP 500: etcdserver: leader changed"), told);
    assertTrue(watches().size() >= 2, "watched again: " + watches());
  }

  @Test
  void a_compacted_version_is_listed_again_and_watched_from_the_fresh_version() throws Exception {
    start();
    // mysql-0's replacements must come back to the watched node.
    sim.client().nodes().withName("kube-node01").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    within(Duration.ofSeconds(5), () -> !watches().isEmpty(), "a watch opened");
    sim.watchFaults().silent(true); // the open watch says nothing from now on
    sim.client().pods().inNamespace("default").withName("mysql-0").withGracePeriod(0).delete();
    // Silence is decided when the change reaches the watch, on the server's loop: clearing the fault before then
    // let the change through, and the watch was never silent.
    within(Duration.ofSeconds(5), () -> sim.openWatches() == 0, "the watch silenced");
    sim.compactWatchHistory(); // the version the watch started from is gone
    sim.watchFaults().clear();
    // The re-list finds the change the silent watch never delivered; the watch is opened again from its old
    // version, answered 410, listed again and watched from the fresh version.
    within(Duration.ofSeconds(10), () -> told.stream().anyMatch(t -> t.contains("silent")), "told: " + told);
    within(Duration.ofSeconds(10), () -> watches().size() >= 3, "watched again: " + watches());
    within(Duration.ofSeconds(10), () -> sim.client().pods().inNamespace("default").withName("mysql-0").get() != null,
        "mysql-0 recreated");
    String before = sim.client().pods().inNamespace("default").withName("mysql-0").get().getMetadata().getUid();
    sim.client().pods().inNamespace("default").withName("mysql-0").withGracePeriod(0).delete();
    within(Duration.ofSeconds(5), () -> heard.contains("DELETED mysql-0 " + before), "through the new watch: " + heard);
  }

  /** A watch the server accepts, then answers with one ERROR event (500) and ends: etcd had a bad moment. */
  private static MockResponse errorWatch() {
    return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        webSocket.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            + "\"status\":\"Failure\",\"message\":\"etcdserver: leader changed\",\"reason\":\"InternalError\",\"code\":500}}");
        webSocket.close(1000, "");
      }
    });
  }
}
