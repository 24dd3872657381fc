package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed's cluster comes up as the seed describes it. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SeedTest {
  private static SimulatedCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    long start = System.nanoTime();
    cluster = Seed.cluster(SimTiming.fast());
    System.out.printf("seed cluster started and settled in %d ms (fast timing)%n", (System.nanoTime() - start) / 1_000_000);
    client = cluster.client();
  }

  @AfterAll
  static void close() {
    cluster.close();
  }

  @Test
  void it_has_a_tainted_control_plane_and_two_workers() {
    List<Node> nodes = client.nodes().list().getItems();
    assertEquals(List.of("kube-master", "kube-node01", "kube-node02"), nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList());
    Node master = client.nodes().withName("kube-master").get();
    assertEquals("", master.getMetadata().getLabels().get("node-role.kubernetes.io/control-plane"));
    assertEquals("node-role.kubernetes.io/control-plane", master.getSpec().getTaints().get(0).getKey());
    assertEquals("NoSchedule", master.getSpec().getTaints().get(0).getEffect());
    Node worker = client.nodes().withName("kube-node01").get();
    assertEquals("kube-node01", worker.getMetadata().getLabels().get("kubernetes.io/hostname"));
    assertEquals("linux", worker.getMetadata().getLabels().get("kubernetes.io/os"));
    assertEquals("250", worker.getStatus().getAllocatable().get("pods").toString());
    assertTrue(worker.getSpec().getTaints() == null || worker.getSpec().getTaints().isEmpty());
    assertEquals(Set.of("kube-master", "kube-node01", "kube-node02"), client.leases().inNamespace("kube-node-lease")
        .list().getItems().stream().map(l -> l.getMetadata().getName()).collect(Collectors.toSet()));
  }

  @Test
  void mysql_0_runs_on_kube_node02_with_its_claim_bound_to_pv1() {
    Pod pod = client.pods().withName("mysql-0").get();
    assertEquals("kube-node02", pod.getSpec().getNodeName());
    assertEquals("Running", pod.getStatus().getPhase());
    assertTrue(pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
    assertEquals("StatefulSet", pod.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals("mysql-0", pod.getSpec().getHostname());
    assertEquals("mysql", pod.getSpec().getSubdomain());
    assertEquals("0", pod.getMetadata().getLabels().get("apps.kubernetes.io/pod-index"));

    PersistentVolumeClaim claim = client.persistentVolumeClaims().withName("pvc-mysql-0").get();
    assertEquals("Bound", claim.getStatus().getPhase());
    assertEquals("pv1", claim.getSpec().getVolumeName());
    assertEquals("mysql-sts", claim.getMetadata().getLabels().get("app"));
    PersistentVolume pv = client.persistentVolumes().withName("pv1").get();
    assertEquals("Bound", pv.getStatus().getPhase());
    assertEquals(claim.getMetadata().getUid(), pv.getSpec().getClaimRef().getUid());
    assertEquals("Delete", pv.getSpec().getPersistentVolumeReclaimPolicy());
    assertEquals("standard", pv.getSpec().getStorageClassName());
    assertTrue(pv.getSpec().getHostPath() != null);
  }

  @Test
  void the_statefulset_and_its_service_are_those_of_the_seed_manifest() {
    StatefulSet sts = client.apps().statefulSets().withName("mysql").get();
    assertEquals("mysql", sts.getSpec().getServiceName());
    assertEquals(1, sts.getSpec().getReplicas());
    assertEquals(Map.of("app", "mysql-sts"), sts.getSpec().getSelector().getMatchLabels());
    assertEquals("OrderedReady", sts.getSpec().getPodManagementPolicy());
    var container = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("mysql", container.getName());
    assertEquals("mysql:5.7", container.getImage());
    assertEquals("qwerty", container.getEnv().get(0).getValue());
    assertEquals(3306, container.getPorts().get(0).getContainerPort());
    assertEquals("data", container.getVolumeMounts().get(0).getSubPath());
    assertEquals(List.of("mysqladmin", "ping"), container.getLivenessProbe().getExec().getCommand());
    var template = sts.getSpec().getVolumeClaimTemplates().get(0);
    assertEquals("pvc", template.getMetadata().getName());
    assertEquals("1Gi", template.getSpec().getResources().getRequests().get("storage").toString());
    assertEquals(1, sts.getStatus().getReadyReplicas());

    Service service = client.services().withName("mysql").get();
    assertEquals("None", service.getSpec().getClusterIP());
    assertEquals(Map.of("app", "mysql-sts"), service.getSpec().getSelector());
    assertEquals("mysql", service.getSpec().getPorts().get(0).getName());
  }

  @Test
  void each_node_runs_one_kube_proxy_and_one_flannel_pod() {
    for (String daemonSet : List.of("kube-proxy", "kube-flannel-ds")) {
      List<Pod> pods = client.pods().inNamespace("kube-system").list().getItems().stream()
          .filter(p -> p.getMetadata().getOwnerReferences().get(0).getName().equals(daemonSet)).toList();
      assertEquals(Set.of("kube-master", "kube-node01", "kube-node02"),
          pods.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet()), daemonSet);
      assertEquals(3, pods.size());
      assertTrue(pods.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase())));
    }
  }
}
