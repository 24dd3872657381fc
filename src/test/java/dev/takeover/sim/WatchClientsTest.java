package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.takeover.sim.RawWatch.version;
import static dev.takeover.sim.WatchSemanticsTest.configMap;
import static dev.takeover.sim.WatchSemanticsTest.listVersion;
import static dev.takeover.sim.WatchSemanticsTest.typeAndName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fabric8's informers and watches against the simulated server's watches, and a pod moving onto a watched node. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WatchClientsTest {
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void a_fabric8_informer_lists_then_watches_from_the_list_s_version_and_sees_later_changes() throws Exception {
    cluster = WatchSemanticsTest.quiet().start();
    KubernetesClient client = cluster.client();
    configMap(client, "a", Map.of());
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    SharedIndexInformer<ConfigMap> informer = client.configMaps().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        seen.add("add " + cm.getMetadata().getName());
      }

      @Override
      public void onUpdate(ConfigMap before, ConfigMap after) {
        seen.add("update " + after.getMetadata().getName());
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknownFinalState) {
        seen.add("delete " + cm.getMetadata().getName());
      }
    });
    try {
      assertEquals("add a", seen.poll(5, TimeUnit.SECONDS));
      String listed = String.valueOf(listVersion(client));
      configMap(client, "b", Map.of());
      assertEquals("add b", seen.poll(5, TimeUnit.SECONDS));
      client.configMaps().withName("a").edit(cm -> new ConfigMapBuilder(cm).addToData("k", "w").build());
      assertEquals("update a", seen.poll(5, TimeUnit.SECONDS));
      client.configMaps().withName("b").delete();
      assertEquals("delete b", seen.poll(5, TimeUnit.SECONDS));
      assertTrue(cluster.requestLog().stream().anyMatch(r -> r.startsWith("GET /api/v1/namespaces/default/configmaps?")
          && r.contains("watch=true") && r.contains("allowWatchBookmarks=true") && r.contains("resourceVersion=" + listed)),
          () -> "the informer's watch carries the list's version: " + cluster.requestLog());
    } finally {
      informer.close();
    }
  }

  @Test
  void closing_many_watches_with_events_in_flight_does_not_stall_the_server() throws Exception {
    cluster = WatchSemanticsTest.quiet().start();
    KubernetesClient client = cluster.client();
    for (int i = 0; i < 20; i++) {
      configMap(client, "cm-" + i, Map.of());
    }
    List<Watch> watches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      watches.add(client.configMaps().watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, ConfigMap resource) {
        }

        @Override
        public void onClose(WatcherException cause) {
        }
      }));
    }
    for (int i = 0; i < 20; i++) {
      client.configMaps().withName("cm-" + i).edit(cm -> new ConfigMapBuilder(cm).addToData("k", "w").build());
    }
    watches.forEach(Watch::close);
    long started = System.nanoTime();
    assertEquals(20, client.configMaps().list().getItems().size());
    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 2_000, "the server answered at once");
  }

  @Test
  void a_pod_bound_to_the_watched_node_arrives_as_added_and_its_deletion_carries_a_newer_version() throws Exception {
    cluster = Seed.cluster(SimTiming.fast());
    KubernetesClient client = cluster.client();
    long listed = Long.parseLong(client.pods().inAnyNamespace().withField("spec.nodeName", "kube-node01").list()
        .getMetadata().getResourceVersion());
    try (RawWatch watch = RawWatch.open(cluster,
        "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dkube-node01&resourceVersion=" + listed)) {
      cluster.scenario().pod("default", "visitor", p -> p.nodeSelector("kubernetes.io/hostname", "kube-node01")).apply();
      Map<String, Object> first = watch.nextEvent();
      assertEquals("ADDED visitor", typeAndName(first), "created unbound (not selected), then bound: ADDED");
      assertEquals("kube-node01", ((Map<?, ?>) ((Map<?, ?>) first.get("object")).get("spec")).get("nodeName"));
      Await.await("visitor running", Duration.ofSeconds(10), () -> {
        Pod pod = client.pods().withName("visitor").get();
        return pod != null && "Running".equals(pod.getStatus().getPhase());
      });

      long beforeDeletion = Long.parseLong(client.pods().withName("visitor").get().getMetadata().getResourceVersion());
      client.pods().withName("visitor").withGracePeriod(0).delete();
      long last = version(first);
      Map<String, Object> event;
      do {
        event = watch.nextEvent();
        assertNotNull(event);
        assertTrue(version(event) > last, "versions only grow on a watch");
        last = version(event);
      } while (!"DELETED".equals(RawWatch.type(event)));
      assertEquals("DELETED visitor", typeAndName(event));
      assertTrue(last > beforeDeletion, "DELETED carries a version of its own: " + last + " > " + beforeDeletion);
    }
  }
}
