package dev.takeover.kube;

import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A list is read at one version and may answer after the watch delivered newer changes (a slow list, a busy API
 * server): here the list of the nodes is read before kube-node02 is cordoned and reaches the list-watch after the
 * watch told of the cordon. The caller's view must keep the cordon: before, the late list put the node back to schedulable
 * until the next re-list (12 × relistPeriod for the daemon's node view).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ListWatchStaleListTest {
  final AtomicBoolean readNow = new AtomicBoolean();
  final AtomicBoolean late = new AtomicBoolean();
  final java.util.concurrent.atomic.AtomicReference<MockResponse> stale = new java.util.concurrent.atomic.AtomicReference<>();
  /** Node name → unschedulable, as the listener was last told. */
  final Map<String, Boolean> view = new ConcurrentHashMap<>();
  SimulatedCluster sim;
  Vertx vertx;
  Kube kube;
  ListWatch<Node> lw;
  Context context;

  @BeforeEach
  void start() throws Exception {
    sim = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      if (!request.getMethod().equals("GET") || !request.getPath().startsWith("/api/v1/nodes")
          || request.getPath().contains("watch=")) {
        return null;
      }
      if (readNow.compareAndSet(true, false)) {
        // The list the slow request reads: the nodes as they are now, at this version.
        stale.set(next.dispatch(request));
        return stale.get();
      }
      // Delivered later: the client asks again and gets what was read then.
      return late.compareAndSet(true, false) ? stale.get() : null;
    }).start();
    Seed.apply(sim);
    vertx = Vertx.vertx();
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(sim.masterUrl()).build();
    kube = Kube.connect(vertx, config, 4, "stale-list-test");
    context = vertx.getOrCreateContext();
    CompletableFuture<ListWatch<Node>> started = new CompletableFuture<>();
    context.runOnContext(v -> ListWatch.start(context, kube.calls(), WatchScope.nodes(), Duration.ofMinutes(10),
        WatchHealth.logged(org.slf4j.LoggerFactory.getLogger(ListWatchStaleListTest.class)), new ListWatch.Listener<Node>() {
          @Override
          public void listed(List<Node> items) {
            view.clear();
            items.forEach(ListWatchStaleListTest.this::see);
          }

          @Override
          public void changed(Watcher.Action action, Node node) {
            if (action == Watcher.Action.DELETED) {
              view.remove(node.getMetadata().getName());
            } else {
              see(node);
            }
          }
        }).onSuccess(started::complete));
    lw = started.get(10, TimeUnit.SECONDS);
  }

  void see(Node n) {
    view.put(n.getMetadata().getName(), Boolean.TRUE.equals(n.getSpec().getUnschedulable()));
  }

  @AfterEach
  void stop() throws Exception {
    context.runOnContext(v -> lw.close());
    kube.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    sim.close();
  }

  @Test
  void a_list_read_before_a_cordon_and_answered_after_the_watch_told_of_it_does_not_undo_it() throws Exception {
    Await.await("the watch is open", Duration.ofSeconds(10), () -> view.containsKey("kube-node02"));
    assertEquals(false, view.get("kube-node02"));

    // A list is read now, before the cordon; its answer reaches the list-watch only after the watch told of the
    // cordon (the server answers the list-watch's next list with it, as a slow list would arrive).
    readNow.set(true);
    sim.client().nodes().list();
    sim.client().nodes().withName("kube-node02").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    Await.await("the watch tells of the cordon", Duration.ofSeconds(5), () -> view.get("kube-node02"));
    late.set(true);
    CompletableFuture<Void> listed = new CompletableFuture<>();
    context.runOnContext(v -> lw.listNow().onComplete(ar -> listed.complete(null)));

    listed.get(10, TimeUnit.SECONDS);

    assertEquals(true, view.get("kube-node02"), "the late list undid the cordon the watch told of");
    assertEquals(Map.of("kube-master", false, "kube-node01", false, "kube-node02", true), Map.copyOf(view),
        "the other nodes as the list found them");
  }
}
