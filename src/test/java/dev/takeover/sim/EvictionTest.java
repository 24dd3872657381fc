package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eviction subresource, answered as a v1.32 API server answers (src/test/resources/sim/evict-*.json). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EvictionTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final String EVICT_MYSQL_0 = "/api/v1/namespaces/default/pods/mysql-0/eviction";
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void an_evicted_statefulset_pod_comes_back_under_its_name_on_the_other_worker_with_the_same_claim() {
    cluster = Seed.cluster(SimTiming.fast());
    KubernetesClient client = cluster.client();
    Pod before = client.pods().withName("mysql-0").get();
    PersistentVolumeClaim claim = client.persistentVolumeClaims().withName("pvc-mysql-0").get();
    client.nodes().withName("kube-node02").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"unschedulable\":true}}");

    long start = System.nanoTime();
    assertTrue(client.pods().withName("mysql-0").evict());
    await("mysql-0 Ready again under a new UID", BOUND, () -> readyWithNewUid(client, before));
    System.out.printf("eviction of mysql-0 to Ready again (fast timing): %d ms%n", (System.nanoTime() - start) / 1_000_000);

    Pod after = client.pods().withName("mysql-0").get();
    assertEquals("kube-node01", after.getSpec().getNodeName(), "not the cordoned node, not the control plane");
    assertEquals(List.of("pvc-mysql-0"), after.getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null).map(v -> v.getPersistentVolumeClaim().getClaimName()).toList());
    PersistentVolumeClaim claimAfter = client.persistentVolumeClaims().withName("pvc-mysql-0").get();
    assertEquals(claim.getMetadata().getUid(), claimAfter.getMetadata().getUid());
    assertEquals("Bound", claimAfter.getStatus().getPhase());
    assertEquals("pv1", claimAfter.getSpec().getVolumeName());
  }

  @Test
  void an_eviction_a_budget_forbids_answers_429_with_the_recorded_body() {
    cluster = Seed.cluster(SimTiming.fast());
    cluster.scenario().pdb("default", "mysql", b -> b.minAvailable(1).selector("app", "mysql-sts")).apply();

    RawApi.Answer answer = new RawApi(cluster).post(EVICT_MYSQL_0, eviction("mysql-0"));

    assertEquals(429, answer.code());
    assertEquals(RawApi.fixture("evict-429-pdb.json"), answer.json());
    assertNull(cluster.client().pods().withName("mysql-0").get().getMetadata().getDeletionTimestamp());
  }

  @Test
  void a_stale_uid_precondition_is_refused_with_409_and_the_new_pod_is_left_alone() {
    cluster = Seed.cluster(SimTiming.fast());
    KubernetesClient client = cluster.client();
    Pod old = client.pods().withName("mysql-0").get();
    assertTrue(client.pods().withName("mysql-0").evict());
    await("mysql-0 recreated and Ready", BOUND, () -> readyWithNewUid(client, old));
    Pod current = client.pods().withName("mysql-0").get();

    RawApi.Answer answer = new RawApi(cluster).post(EVICT_MYSQL_0, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\","
        + "\"metadata\":{\"name\":\"mysql-0\",\"namespace\":\"default\"},"
        + "\"deleteOptions\":{\"preconditions\":{\"uid\":\"" + old.getMetadata().getUid() + "\"}}}");

    assertEquals(409, answer.code());
    assertEquals(RawApi.fixture("evict-409-uid-precondition.json",
        "00000000-0000-0000-0000-000000000000", old.getMetadata().getUid(),
        "a9e4dbe3-ed2c-4cb1-9f24-b5db7dcfca18", current.getMetadata().getUid()), answer.json());
    Pod untouched = client.pods().withName("mysql-0").get();
    assertEquals(current.getMetadata().getUid(), untouched.getMetadata().getUid());
    assertNull(untouched.getMetadata().getDeletionTimestamp());
  }

  @Test
  void evicting_a_pod_that_does_not_exist_answers_404() {
    cluster = SimulatedCluster.builder().start();

    RawApi.Answer answer = new RawApi(cluster).post("/api/v1/namespaces/default/pods/no-such-pod/eviction",
        eviction("no-such-pod"));

    assertEquals(404, answer.code());
    assertEquals(RawApi.fixture("evict-404-missing.json"), answer.json());
  }

  @Test
  void evicting_a_pod_that_is_already_terminating_answers_201_again() {
    cluster = Seed.cluster(SimTiming.fast());
    cluster.stopNode("kube-node02"); // its kubelet will never finish mysql-0
    RawApi api = new RawApi(cluster);
    assertEquals(201, api.post(EVICT_MYSQL_0, eviction("mysql-0")).code());

    RawApi.Answer again = api.post(EVICT_MYSQL_0, eviction("mysql-0"));

    assertEquals(201, again.code());
    assertEquals(RawApi.fixture("evict-terminating-pod.json"), again.json());
    assertNotNull(cluster.client().pods().withName("mysql-0").get().getMetadata().getDeletionTimestamp());
  }

  @Test
  void concurrent_evictions_cannot_spend_the_same_disruption_twice() throws Exception {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("node-a").node("node-b")
        .deployment("default", "web", d -> d.replicas(3))
        .pdb("default", "web", b -> b.maxUnavailable(1))
        .apply();
    List<String> names = cluster.client().pods().withLabel("app", "web").list().getItems().stream()
        .map(p -> p.getMetadata().getName()).toList();
    RawApi api = new RawApi(cluster);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Callable<Integer>> evictions = names.stream().map(name -> (Callable<Integer>) () -> api.post(
          "/api/v1/namespaces/default/pods/" + name + "/eviction", eviction(name)).code()).toList();
      List<Integer> codes = pool.invokeAll(evictions).stream().map(EvictionTest::get).sorted().toList();

      assertEquals(List.of(201, 429, 429), codes);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_pod_two_budgets_select_cannot_be_evicted() {
    cluster = Seed.cluster(SimTiming.fast());
    cluster.scenario()
        .pdb("default", "one", b -> b.maxUnavailable(1).selector("app", "mysql-sts"))
        .pdb("default", "two", b -> b.maxUnavailable(1).selector("app", "mysql-sts"))
        .apply();

    RawApi.Answer answer = new RawApi(cluster).post(EVICT_MYSQL_0, eviction("mysql-0"));

    assertEquals(500, answer.code());
    assertTrue(answer.body().contains(
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."));
  }

  @Test
  void an_allowed_eviction_records_the_pod_in_the_budget_before_the_pod_goes() {
    cluster = SimulatedCluster.builder().start();
    cluster.scenario().node("node-a")
        .deployment("default", "web", d -> d.replicas(3))
        .pdb("default", "web", b -> b.maxUnavailable(1))
        .apply();
    KubernetesClient client = cluster.client();
    String victim = client.pods().withLabel("app", "web").list().getItems().get(0).getMetadata().getName();

    assertEquals(201, new RawApi(cluster).post("/api/v1/namespaces/default/pods/" + victim + "/eviction",
        eviction(victim)).code());

    // the kubelet may already have finished the pod; the budget must not have allowed a second disruption meanwhile
    PodDisruptionBudget pdb = client.policy().v1().podDisruptionBudget().withName("web").get();
    assertTrue(pdb.getStatus().getDisruptionsAllowed() <= 0 || client.pods().withName(victim).get() == null,
        "disruptionsAllowed after the eviction: " + pdb.getStatus().getDisruptionsAllowed());
    await("the budget allows one disruption again once a replacement is Ready", BOUND, () -> {
      PodDisruptionBudget now = client.policy().v1().podDisruptionBudget().withName("web").get();
      return now.getStatus().getDisruptionsAllowed() == 1 && now.getStatus().getCurrentHealthy() == 3;
    });
    assertTrue(client.pods().withLabel("app", "web").list().getItems().stream()
        .noneMatch(p -> p.getMetadata().getName().equals(victim)), "a ReplicaSet's replacement has a new name");
  }

  private static boolean readyWithNewUid(KubernetesClient client, Pod before) {
    Pod pod = client.pods().withName(before.getMetadata().getName()).get();
    return pod != null && !pod.getMetadata().getUid().equals(before.getMetadata().getUid())
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static String eviction(String pod) {
    return "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
        + "\",\"namespace\":\"default\"}}";
  }

  private static Integer get(Future<Integer> future) {
    try {
      return future.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
