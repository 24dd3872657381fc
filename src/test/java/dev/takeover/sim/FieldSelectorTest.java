package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Lists and watches filtered by fields on the server, as kubectl and informers use them. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FieldSelectorTest {
  private SimulatedCluster cluster;
  private KubernetesClient client;

  @BeforeEach
  void seed() {
    cluster = Seed.cluster(SimTiming.fast());
    client = cluster.client();
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void pods_are_listed_by_the_node_they_are_bound_to() {
    assertEquals(List.of("kube-flannel-ds", "kube-proxy", "mysql"),
        owners(client.pods().inAnyNamespace().withField("spec.nodeName", "kube-node02").list().getItems()));
    assertEquals(List.of("mysql-0"),
        names(client.pods().inNamespace("default").withField("spec.nodeName", "kube-node02").list().getItems()));
    assertEquals(4, client.pods().inAnyNamespace().withoutField("spec.nodeName", "kube-node02").list().getItems().size());
  }

  @Test
  void pods_are_listed_by_phase_and_an_unbound_pod_by_an_empty_node_name() {
    cluster.scenario().pod("default", "nowhere", p -> p.nodeSelector("disk", "none")).apply();

    assertEquals(7, client.pods().inAnyNamespace().withField("status.phase", "Running").list().getItems().size());
    assertEquals(List.of("nowhere"),
        names(client.pods().inAnyNamespace().withField("status.phase", "Pending").list().getItems()));
    assertEquals(List.of("nowhere"), names(client.pods().inAnyNamespace().withField("spec.nodeName", "").list().getItems()));
  }

  @Test
  void events_are_listed_by_the_object_they_are_about_and_nodes_by_unschedulable() {
    String uid = client.pods().withName("mysql-0").get().getMetadata().getUid();
    client.nodes().withName("kube-node02").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    client.pods().withName("mysql-0").evict();
    Await.await("mysql-0 scheduled again", Duration.ofSeconds(10), () -> {
      Pod pod = client.pods().withName("mysql-0").get();
      return pod != null && !pod.getMetadata().getUid().equals(uid) && pod.getSpec().getNodeName() != null;
    });

    // The scheduler records its event after the binding, as kube-scheduler's event broadcaster does: awaited too.
    Await.await("the Scheduled event of the new mysql-0", Duration.ofSeconds(10), () -> !client.v1().events()
        .inNamespace("default").withField("involvedObject.name", "mysql-0").withField("reason", "Scheduled").list()
        .getItems().isEmpty());
    var scheduled = client.v1().events().inNamespace("default").withField("involvedObject.name", "mysql-0")
        .withField("reason", "Scheduled").list().getItems();
    assertEquals(1, scheduled.size());
    assertEquals("Successfully assigned default/mysql-0 to kube-node01", scheduled.get(0).getMessage());
    assertEquals(List.of("kube-node02"), client.nodes().withField("spec.unschedulable", "true").list().getItems()
        .stream().map(n -> n.getMetadata().getName()).toList());
  }

  @Test
  void a_field_a_real_server_does_not_index_is_refused_with_400() {
    RawApi.Answer answer = new RawApi(cluster).get("/api/v1/pods?fieldSelector=spec.hostname%3Dx");

    assertEquals(400, answer.code());
    assertEquals(RawApi.fixture("list-pods-bad-field-selector.json"), answer.json());
  }

  @Test
  void a_watch_on_a_node_sees_a_pod_added_when_it_is_bound_there_and_deleted_when_it_is_gone() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    Watch watch = client.pods().inAnyNamespace().withField("spec.nodeName", "kube-node01").watch(recorder(events));
    try {
      for (int i = 0; i < 2; i++) { // no resourceVersion: ADDED first for what matches now, the two DaemonSet pods
        assertNotNull(events.poll(5, TimeUnit.SECONDS));
      }
      cluster.scenario().pod("default", "visitor", p -> p.nodeSelector("kubernetes.io/hostname", "kube-node01")).apply();
      assertEquals("ADDED visitor", events.poll(5, TimeUnit.SECONDS));

      client.pods().withName("visitor").delete();

      String event;
      do {
        event = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(event, "no DELETED for visitor");
      } while (!event.startsWith("DELETED"));
      assertEquals("DELETED visitor", event);
    } finally {
      watch.close();
    }
  }

  @Test
  void the_watch_of_mysql_0_during_an_eviction_sees_the_events_a_real_cluster_sent() throws Exception {
    BlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    client.nodes().withName("kube-node02").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    cluster.awaitSettled(Duration.ofSeconds(5));
    String firstUid = client.pods().withName("mysql-0").get().getMetadata().getUid();
    Watch watch = client.pods().inNamespace("default").withName("mysql-0").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        steps.add(Step.of(action, pod, firstUid));
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    });
    try {
      assertNotNull(steps.poll(5, TimeUnit.SECONDS)); // the initial ADDED for the pod as it is (a watch without resourceVersion)
      client.pods().withName("mysql-0").evict();

      List<Step> recorded = Step.recorded();
      for (Step expected : recorded) {
        assertEquals(expected, steps.poll(5, TimeUnit.SECONDS));
      }
    } finally {
      watch.close();
    }
  }

  /** One watch event reduced to what watch/pod-mysql-0-during-eviction.jsonl shows about it. */
  record Step(String type, String pod, boolean terminating, Long deletionGracePeriodSeconds, boolean bound,
      String phase, String ready, String disruptionTarget) {

    static Step of(Watcher.Action action, Pod pod, String firstUid) {
      return new Step(action.name(), pod.getMetadata().getUid().equals(firstUid) ? "first" : "second",
          pod.getMetadata().getDeletionTimestamp() != null, pod.getMetadata().getDeletionGracePeriodSeconds(),
          pod.getSpec().getNodeName() != null, pod.getStatus().getPhase(), condition(pod, "Ready"),
          condition(pod, "DisruptionTarget"));
    }

    static List<Step> recorded() {
      try (var in = FieldSelectorTest.class.getResourceAsStream("/sim/pod-mysql-0-during-eviction.steps.jsonl")) {
        return new String(in.readAllBytes()).lines().map(line -> {
          var step = (java.util.Map<?, ?>) RawApi.tree(line);
          Object grace = step.get("deletionGracePeriodSeconds");
          return new Step((String) step.get("type"), (String) step.get("pod"), (Boolean) step.get("terminating"),
              grace == null ? null : ((Number) grace).longValue(), (Boolean) step.get("bound"), (String) step.get("phase"),
              (String) step.get("ready"), (String) step.get("disruptionTarget"));
        }).toList();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private static String condition(Pod pod, String type) {
      return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
          .map(c -> c.getStatus()).findFirst().orElse(null);
    }
  }

  private static Watcher<Pod> recorder(BlockingQueue<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        events.add(action + " " + pod.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    };
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  private static List<String> owners(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getOwnerReferences().get(0).getName()).sorted().toList();
  }
}
