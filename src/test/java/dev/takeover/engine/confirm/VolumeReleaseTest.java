package dev.takeover.engine.confirm;

import dev.takeover.kube.Kube;
import dev.takeover.kube.ListWatches;
import dev.takeover.kube.WatchHealth;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.api.Statuses;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's wait for a dead node to let go of a StatefulSet pod's volume, against the simulated attach-detach
 * controller: a CSI volume held by a dead node is told as held, then as released when Kubernetes detaches it
 * (6 min in Kubernetes, 3 s here); a hostPath volume is released at once; a deadline ends the wait with what is
 * known; a cluster that refuses to list volumeattachments ends it at once, saying so.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VolumeReleaseTest {
  static final Duration BOUND = Duration.ofSeconds(20);
  static final String FORBIDDEN = "volumeattachments.storage.k8s.io is forbidden: User \"system:serviceaccount:takeover:"
      + "takeover\" cannot list resource \"volumeattachments\" in API group \"storage.k8s.io\" at the cluster scope";

  final List<String> progress = new CopyOnWriteArrayList<>();
  final List<String> told = new CopyOnWriteArrayList<>();
  final WatchHealth health = new WatchHealth() {
    @Override
    public void failing(String what, String cause, Duration listingEvery) {
      told.add(what + ": " + cause);
    }

    @Override
    public void recovered(String what) {
      told.add(what + ": works again");
    }
  };
  SimulatedCluster cluster;
  Vertx vertx;
  Kube kube;
  Context context;
  VolumeRelease release;

  void connect() {
    vertx = Vertx.vertx();
    kube = Kube.connect(vertx, new ConfigBuilder(Config.empty()).withMasterUrl(cluster.masterUrl()).build(), 4, "test");
    context = vertx.getOrCreateContext();
    release = new VolumeRelease(new ListWatches(context, kube.calls(), Duration.ofSeconds(1)), Clock.systemUTC());
  }

  /** The seed's shape, with pv1 a CSI volume (an EBS disk) attached to kube-node02, where mysql-0 runs. */
  void startWithCsiVolume() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).start();
    cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
        .pv("pv1", "1Gi", "standard", v -> v.csi("ebs.csi.aws.com", "vol-0a1b2c3d4e5f"))
        .headlessService("default", "mysql", 3306)
        .statefulSet("default", "mysql", s -> s.image("mysql:5.7").claimTemplate("pvc", "standard", "1Gi")
            .mount("pvc", "/var/lib/mysql").placeOn("kube-node02"))
        .apply();
    connect();
  }

  @AfterEach
  void stop() throws Exception {
    if (kube != null) {
      kube.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  Map<String, Instant> awaitRelease(List<String> volumes, Duration deadline) throws Exception {
    CompletableFuture<Map<String, Instant>> done = new CompletableFuture<>();
    context.runOnContext(v -> release.await(volumes, "kube-node02", Instant.now().plus(deadline), health,
        (volume, line) -> progress.add(line)).onComplete(ar -> {
          if (ar.succeeded()) {
            done.complete(ar.result());
          } else {
            done.completeExceptionally(ar.cause());
          }
        }));
    return done.get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void a_volume_held_by_a_dead_node_is_told_held_then_released_when_kubernetes_detaches_it() throws Exception {
    startWithCsiVolume();
    String attachment = cluster.client().storage().v1().volumeAttachments().list().getItems().get(0).getMetadata().getName();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> cluster.client().nodes().withName("kube-node02").get().getStatus()
        .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "Unknown".equals(c.getStatus())));
    Instant forced = Instant.now();
    cluster.client().pods().withName("mysql-0").withGracePeriod(0).delete();

    Map<String, Instant> released = awaitRelease(List.of("pv1"), BOUND);

    Duration waited = Duration.between(forced, released.get("pv1"));
    System.out.printf("pv1 released by the dead node %d ms after the force delete (maxWaitForUnmount %d ms)%n",
        waited.toMillis(), cluster.timing().maxWaitForUnmount().toMillis());
    assertFalse(waited.compareTo(cluster.timing().maxWaitForUnmount()) < 0, "not before maxWaitForUnmount: " + waited);
    assertEquals(2, progress.size(), progress.toString());
    assertEquals("pv1 is still attached to kube-node02 (VolumeAttachment " + attachment + "): the new pod cannot "
        + "start until it is detached", progress.get(0));
    assertTrue(progress.get(1).matches("pv1 was detached from kube-node02 after [0-9.]+ s of waiting"), progress.get(1));
    await("the new mysql-0 Ready on kube-node01", BOUND, () -> {
      Pod p = cluster.client().pods().withName("mysql-0").get();
      return p != null && "kube-node01".equals(p.getSpec().getNodeName()) && p.getStatus().getConditions() != null
          && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    assertEquals(List.of(), told, "the watch of volumeattachments worked");
  }

  @Test
  void a_hostpath_volume_has_no_attachment_and_is_released_at_once_without_a_word() throws Exception {
    cluster = Seed.cluster(SimTiming.fast());
    connect();
    long asked = System.nanoTime();

    Map<String, Instant> released = awaitRelease(List.of("pv1"), BOUND);

    assertEquals(List.of("pv1"), List.copyOf(released.keySet()));
    assertTrue(System.nanoTime() - asked < BOUND.toNanos() / 2, "at once, not at the deadline");
    assertEquals(List.of(), progress);
  }

  @Test
  void at_the_deadline_it_completes_with_what_is_known_a_volume_still_held_is_left_out() throws Exception {
    startWithCsiVolume(); // mysql-0 runs on kube-node02: pv1 stays attached there

    Map<String, Instant> released = awaitRelease(List.of("pv1"), Duration.ofMillis(1500));

    assertEquals(Map.of(), released);
    assertEquals(1, progress.size(), progress.toString());
    assertTrue(progress.get(0).startsWith("pv1 is still attached to kube-node02 (VolumeAttachment csi-"), progress.get(0));
  }

  @Test
  void an_identity_that_may_not_list_volumeattachments_gets_an_answer_at_once_saying_it_could_not_be_checked()
      throws Exception {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast())
        .requestHook((request, next) -> request.getPath().startsWith("/apis/storage.k8s.io/v1/volumeattachments")
            ? Statuses.failure(403, "Forbidden", FORBIDDEN, Map.of("group", "storage.k8s.io", "kind", "volumeattachments"))
            : null)
        .start();
    Seed.apply(cluster);
    connect();
    long asked = System.nanoTime();

    Map<String, Instant> released = awaitRelease(List.of("pv1"), BOUND);

    assertEquals(Map.of(), released);
    assertTrue(System.nanoTime() - asked < BOUND.toNanos() / 2, "at once, not at the deadline");
    assertEquals(List.of("pv1: cannot check whether it is still attached to kube-node02 (list volumeattachments: 403 "
        + FORBIDDEN + "); the pod check decides"), progress);
  }
}
