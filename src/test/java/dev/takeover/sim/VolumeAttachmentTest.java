package dev.takeover.sim;

import dev.takeover.sim.controllers.PodGc;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static dev.takeover.sim.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A StatefulSet pod on a ReadWriteOnce CSI volume, as the attach-detach controller handles it: a VolumeAttachment
 * for the volume and the pod's node, which moves with the pod; a pod whose volume is still attached to a dead node
 * waits (Multi-Attach error) until maxWaitForUnmount, or not at all once the node is out of service.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VolumeAttachmentTest {
  static final Duration BOUND = Duration.ofSeconds(20);
  static final String DRIVER = "ebs.csi.aws.com";
  static final String HANDLE = "vol-0a1b2c3d4e5f";
  static final String MULTI_ATTACH = "Multi-Attach error for volume \"pv1\" Volume is already exclusively attached to "
      + "one node and can't be attached to another";
  SimulatedCluster cluster;
  KubernetesClient client;

  /** The seed's shape, but pv1 is a CSI volume (an EBS disk). */
  void start(SimTiming timing) {
    cluster = SimulatedCluster.builder().timing(timing).start();
    client = cluster.client();
    cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
        .pv("pv1", "1Gi", "standard", v -> v.csi(DRIVER, HANDLE))
        .headlessService("default", "mysql", 3306)
        .statefulSet("default", "mysql", s -> s.image("mysql:5.7").claimTemplate("pvc", "standard", "1Gi")
            .mount("pvc", "/var/lib/mysql").placeOn("kube-node02"))
        .apply();
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void the_volume_is_attached_to_the_pods_node_under_the_name_the_csi_attacher_gives_it() throws Exception {
    start(SimTiming.fast());

    VolumeAttachment va = client.storage().v1().volumeAttachments().withName(attachmentName("kube-node02")).get();
    assertEquals(DRIVER, va.getSpec().getAttacher());
    assertEquals("kube-node02", va.getSpec().getNodeName());
    assertEquals("pv1", va.getSpec().getSource().getPersistentVolumeName());
    assertTrue(va.getStatus().getAttached());
    assertEquals(List.of(va.getMetadata().getName()), client.storage().v1().volumeAttachments().list().getItems()
        .stream().map(a -> a.getMetadata().getName()).toList(), "one attachment: listed as it is got");
  }

  @Test
  void an_evicted_pod_takes_its_volume_along_the_attachment_moves_to_the_new_node() {
    start(SimTiming.fast());
    String oldUid = pod().getMetadata().getUid();
    client.nodes().withName("kube-node02").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"unschedulable\":true}}");

    assertTrue(client.pods().withName("mysql-0").evict());
    await("mysql-0 Ready on kube-node01", BOUND, () -> readyOn("kube-node01", oldUid));

    assertEquals(List.of("kube-node01 attached"), attachments(), "detached from kube-node02 at once: its kubelet unmounted");
    assertEquals(List.of(), multiAttachEvents(), "a live node lets go of the volume before the new pod wants it");
  }

  @Test
  void a_dead_nodes_volume_is_detached_only_after_max_wait_for_unmount_so_the_new_pod_waits_with_a_multi_attach_error() {
    start(SimTiming.fast());
    String oldUid = pod().getMetadata().getUid();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> nodeReady("kube-node02").equals("Unknown"));

    long forced = System.nanoTime();
    client.pods().withName("mysql-0").withGracePeriod(0).delete();
    await("the Multi-Attach error on the new mysql-0", BOUND, () -> !multiAttachEvents().isEmpty());
    Pod waiting = pod();
    assertEquals("kube-node01", waiting.getSpec().getNodeName(), "scheduled: the scheduler knows nothing of attachments");
    assertEquals("Pending", waiting.getStatus().getPhase(), "its kubelet waits for the volume");
    assertEquals(List.of("kube-node02 attached"), attachments());
    Event event = multiAttachEvents().get(0);
    assertEquals("Warning", event.getType());
    assertEquals("attachdetach-controller", event.getSource().getComponent());
    assertEquals(waiting.getMetadata().getUid(), event.getInvolvedObject().getUid());

    await("mysql-0 Ready on kube-node01", BOUND, () -> readyOn("kube-node01", oldUid));
    long waitedMs = (System.nanoTime() - forced) / 1_000_000;
    System.out.printf("dead node, no taint: force delete to Ready elsewhere %d ms (maxWaitForUnmount %d ms)%n",
        waitedMs, cluster.timing().maxWaitForUnmount().toMillis());
    assertTrue(waitedMs >= cluster.timing().maxWaitForUnmount().toMillis(), waitedMs + " ms");
    assertEquals(List.of("kube-node01 attached"), attachments());
    assertEquals(1, multiAttachEvents().size(), "reported once");
  }

  @Test
  void the_out_of_service_taint_detaches_the_dead_nodes_volume_at_once() {
    start(SimTiming.fast().withVolumeAttachment(Duration.ofMillis(50), Duration.ofMinutes(6)));
    String oldUid = pod().getMetadata().getUid();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> nodeReady("kube-node02").equals("Unknown"));
    cluster.awaitSettled(BOUND); // the unreachable taints written: the edit below is not refused by a conflict

    client.nodes().withName("kube-node02").edit(n -> {
      List<Taint> taints = new ArrayList<>(n.getSpec().getTaints());
      taints.add(new TaintBuilder().withKey(PodGc.OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });
    long tainted = System.nanoTime();
    await("mysql-0 Ready on kube-node01, long before 6 min", BOUND, () -> readyOn("kube-node01", oldUid));
    System.out.printf("dead node, out-of-service taint to Ready elsewhere: %d ms%n", (System.nanoTime() - tainted) / 1_000_000);

    assertEquals(List.of("kube-node01 attached"), attachments());
    assertEquals(List.of(), multiAttachEvents());
  }

  @Test
  void a_detach_lingers_for_the_attachers_unpublish_with_a_deletion_timestamp_and_its_finalizer() throws Exception {
    start(SimTiming.fast().withDetachDelay(Duration.ofMillis(1500)));
    String oldUid = pod().getMetadata().getUid();
    String old = attachmentName("kube-node02");
    VolumeAttachment attached = client.storage().v1().volumeAttachments().withName(old).get();
    assertEquals(List.of("external-attacher/ebs-csi-aws-com"), attached.getMetadata().getFinalizers(),
        "the external-attacher's finalizer, its driver's dots made dashes");
    client.nodes().withName("kube-node02").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"unschedulable\":true}}");

    assertTrue(client.pods().withName("mysql-0").evict());
    await("the old attachment being deleted", BOUND, () -> {
      VolumeAttachment va = client.storage().v1().volumeAttachments().withName(old).get();
      return va != null && va.getMetadata().getDeletionTimestamp() != null;
    });
    long deleted = System.nanoTime();
    await("the new mysql-0 bound to kube-node01", BOUND, () -> pod() != null && !oldUid.equals(pod().getMetadata()
        .getUid()) && "kube-node01".equals(pod().getSpec().getNodeName()));
    assertEquals(List.of("kube-node02 attached"), attachments(), "still attached there: no attachment to kube-node01 yet");
    assertEquals("Pending", pod().getStatus().getPhase());

    await("mysql-0 Ready on kube-node01", BOUND, () -> readyOn("kube-node01", oldUid));
    long lingeredMs = (System.nanoTime() - deleted) / 1_000_000;
    System.out.printf("live node: VolumeAttachment deleted to new pod Ready: %d ms (detachDelay 1500 ms)%n", lingeredMs);
    assertTrue(lingeredMs >= 1400, lingeredMs + " ms");
    assertEquals(List.of("kube-node01 attached"), attachments());
    assertEquals(List.of(), multiAttachEvents(), "the detach operation runs meanwhile: no attach tried, no event");
  }

  @Test
  void with_force_detach_on_timeout_disabled_a_dead_nodes_volume_waits_for_the_out_of_service_taint() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).disableForceDetachOnTimeout().start();
    client = cluster.client();
    cluster.scenario().node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
        .pv("pv1", "1Gi", "standard", v -> v.csi(DRIVER, HANDLE))
        .headlessService("default", "mysql", 3306)
        .statefulSet("default", "mysql", s -> s.image("mysql:5.7").claimTemplate("pvc", "standard", "1Gi")
            .mount("pvc", "/var/lib/mysql").placeOn("kube-node02"))
        .apply();
    String oldUid = pod().getMetadata().getUid();
    cluster.stopNode("kube-node02");
    await("kube-node02 Unknown", BOUND, () -> nodeReady("kube-node02").equals("Unknown"));
    cluster.awaitSettled(BOUND);

    client.pods().withName("mysql-0").withGracePeriod(0).delete();
    await("the Multi-Attach error on the new mysql-0", BOUND, () -> !multiAttachEvents().isEmpty());
    long forced = System.nanoTime();
    // Twice maxWaitForUnmount, then the cluster at rest: no timer is left that would ever detach it.
    await("twice maxWaitForUnmount", BOUND, () -> System.nanoTime() - forced
        > 2 * cluster.timing().maxWaitForUnmount().toNanos());
    cluster.awaitSettled(BOUND);
    assertEquals(List.of("kube-node02 attached"), attachments(), "never force-detached");
    assertEquals("Pending", pod().getStatus().getPhase());

    client.nodes().withName("kube-node02").edit(n -> {
      List<Taint> taints = new ArrayList<>(n.getSpec().getTaints());
      taints.add(new TaintBuilder().withKey(PodGc.OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute").build());
      n.getSpec().setTaints(taints);
      return n;
    });
    await("mysql-0 Ready on kube-node01 once out of service", BOUND, () -> readyOn("kube-node01", oldUid));
    assertEquals(List.of("kube-node01 attached"), attachments());
  }

  @Test
  void a_hostpath_volume_is_not_attachable_and_gets_no_attachment() {
    cluster = Seed.cluster(SimTiming.fast());
    client = cluster.client();

    assertEquals(List.of(), client.storage().v1().volumeAttachments().list().getItems());
  }

  private Pod pod() {
    return client.pods().inNamespace("default").withName("mysql-0").get();
  }

  private boolean readyOn(String node, String notUid) {
    Pod p = pod();
    return p != null && !notUid.equals(p.getMetadata().getUid()) && node.equals(p.getSpec().getNodeName())
        && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private String nodeReady(String node) {
    return client.nodes().withName(node).get().getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow().getStatus();
  }

  /** "NODE attached|attaching" for each VolumeAttachment of pv1. */
  private List<String> attachments() {
    return client.storage().v1().volumeAttachments().list().getItems().stream()
        .filter(va -> "pv1".equals(va.getSpec().getSource().getPersistentVolumeName()))
        .map(va -> va.getSpec().getNodeName() + (va.getStatus() != null && Boolean.TRUE.equals(va.getStatus().getAttached())
            ? " attached" : " attaching")).toList();
  }

  private List<Event> multiAttachEvents() {
    List<Event> events = client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> "FailedAttachVolume".equals(e.getReason())).toList();
    events.forEach(e -> assertEquals(MULTI_ATTACH, e.getMessage()));
    assertFalse(events.stream().anyMatch(e -> !"mysql-0".equals(e.getInvolvedObject().getName())));
    return events;
  }

  /** csi-sha256(handle + driver + node), computed here independently of the simulator. */
  private static String attachmentName(String node) throws Exception {
    byte[] sum = MessageDigest.getInstance("SHA-256").digest((HANDLE + DRIVER + node).getBytes(StandardCharsets.UTF_8));
    return "csi-" + HexFormat.of().formatHex(sum);
  }
}
