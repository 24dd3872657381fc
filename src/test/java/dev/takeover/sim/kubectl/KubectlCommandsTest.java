package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real kubectl against the simulated server with the facade: the seed's cluster in miniature (kube-master,
 * two workers, mysql-0 on kube-node01 with pvc-mysql-0 bound to pv1), read the way an operator reads it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KubectlCommandsTest {
  @TempDir
  Path tmp;
  KubectlTestServer sim;
  KubernetesClient client;
  Kubectl kubectl;
  Node node01;

  @BeforeEach
  void seed() {
    Kubectl.assumeInstalled();
    sim = KubectlTestServer.start(new KubectlFacade());
    client = sim.client;
    client.nodes().resource(SeedObjects.node("kube-master", "127.0.1.1", true)).create();
    node01 = client.nodes().resource(SeedObjects.node("kube-node01", "127.0.1.2", false)).create();
    client.nodes().resource(SeedObjects.node("kube-node02", "127.0.1.3", false)).create();
    client.pods().inNamespace("default")
        .resource(SeedObjects.runningPod("default", "mysql-0", "kube-node01", "10.244.2.6")).create();
    client.pods().inNamespace("kube-system")
        .resource(SeedObjects.runningPod("kube-system", "kube-proxy-d54m2", "kube-node02", "127.0.1.3")).create();
    client.persistentVolumes().resource(SeedObjects.pv("pv1", "default", "pvc-mysql-0")).create();
    client.persistentVolumeClaims().inNamespace("default")
        .resource(SeedObjects.boundPvc("default", "pvc-mysql-0", "pv1")).create();
    kubectl = new Kubectl(tmp, sim.url());
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void get_nodes_lists_each_node_with_its_status_role_and_version() {
    List<String> lines = kubectl.run("get", "nodes").output().lines().toList();

    assertEquals(List.of("NAME", "STATUS", "ROLES", "AGE", "VERSION"), words(lines.get(0)));
    assertEquals(List.of("kube-master", "Ready", "control-plane"), words(lines.get(1)).subList(0, 3));
    assertEquals(List.of("kube-node01", "Ready", "<none>"), words(lines.get(2)).subList(0, 3));
    assertEquals("v1.32.13", words(lines.get(3)).get(4));
  }

  @Test
  void a_cordoned_node_reads_Ready_SchedulingDisabled() {
    client.nodes().withName("kube-node01").edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });

    String out = kubectl.run("get", "nodes").output();

    assertTrue(out.lines().anyMatch(l -> columns(l, 0, "kube-node01",
        "Ready,SchedulingDisabled")), out);
  }

  @Test
  void kubectl_cordon_and_uncordon_change_the_node_as_on_a_real_server() {
    assertEquals("node/kube-node01 cordoned", kubectl.run("cordon", "kube-node01").output().strip());
    assertEquals(Boolean.TRUE, client.nodes().withName("kube-node01").get().getSpec().getUnschedulable());

    assertEquals("node/kube-node01 uncordoned", kubectl.run("uncordon", "kube-node01").output().strip());
    assertTrue(kubectl.run("get", "node", "kube-node01").output().lines().skip(1)
        .allMatch(l -> words(l).get(1).equals("Ready")));
  }

  @Test
  void get_pod_wide_shows_the_pod_running_on_its_node_with_its_ip() {
    List<String> lines = kubectl.run("get", "pod", "-o", "wide").output().lines().toList();

    assertEquals(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
        "READINESS", "GATES"), words(lines.get(0)));
    assertEquals(2, lines.size(), "only the default namespace: " + lines);
    List<String> row = words(lines.get(1));
    assertEquals(List.of("mysql-0", "1/1", "Running", "0"), row.subList(0, 4));
    assertEquals(List.of("10.244.2.6", "kube-node01", "<none>", "<none>"), row.subList(5, 9));
  }

  @Test
  void get_pod_in_all_namespaces_or_in_kube_system_shows_the_namespaces_pods() {
    String all = kubectl.run("get", "pod", "-A", "-o", "wide").output();
    String system = kubectl.run("get", "pod", "-n", "kube-system").output();

    assertTrue(all.lines().anyMatch(l -> columns(l, 0, "default", "mysql-0")), all);
    assertTrue(all.lines().anyMatch(l -> columns(l, 0, "kube-system", "kube-proxy-d54m2")), all);
    assertEquals(2, system.lines().count(), system);
    assertTrue(system.contains("kube-proxy-d54m2"), system);
  }

  @Test
  void get_pvc_and_pv_show_the_claim_bound_to_its_volume() {
    List<String> lines = kubectl.run("get", "pvc,pv").output().lines().toList();

    assertEquals(List.of("persistentvolumeclaim/pvc-mysql-0", "Bound", "pv1", "1Gi", "RWO", "standard", "<unset>"),
        words(lines.get(1)).subList(0, 7));
    assertEquals(List.of("persistentvolume/pv1", "1Gi", "RWO", "Retain", "Bound", "default/pvc-mysql-0",
        "standard", "<unset>"), words(lines.get(4)).subList(0, 8));
  }

  @Test
  void get_events_shows_what_the_engine_recorded_about_a_node() {
    client.v1().events().inNamespace("default").resource(SeedObjects.nodeEvent(node01, "kube-node01.takeover-1",
        "Cordoned", "Cordoned by Takeover for ticket T-1")).create();

    String out = kubectl.run("get", "events").output();

    assertTrue(out.lines().anyMatch(l -> columns(l, 1, "Normal", "Cordoned",
        "node/kube-node01") && l.endsWith("Cordoned by Takeover for ticket T-1")), out);
  }

  @Test
  void describe_node_shows_its_pods_its_lease_and_the_events_recorded_about_it() {
    client.leases().inNamespace("kube-node-lease").resource(SeedObjects.nodeLease("kube-node01")).create();
    client.v1().events().inNamespace("default").resource(SeedObjects.nodeEvent(node01, "kube-node01.takeover-1",
        "Cordoned", "Cordoned by Takeover for ticket T-1")).create();

    String out = kubectl.run("describe", "node", "kube-node01").output();

    assertTrue(out.startsWith("Name:               kube-node01\n"), out);
    assertTrue(out.contains("  HolderIdentity:  kube-node01\n"), out);
    assertTrue(out.contains("Non-terminated Pods:          (1 in total)"), out);
    assertTrue(out.lines().anyMatch(l -> columns(l, 0, "default", "mysql-0")), out);
    String events = out.substring(out.indexOf("\nEvents:"));
    assertTrue(events.lines().anyMatch(l -> columns(l, 0, "Normal", "Cordoned")
        && l.endsWith("takeover  Cordoned by Takeover for ticket T-1")), events);
  }

  /** Whether {@code line}'s columns from {@code from} on start with {@code expected}. */
  private static boolean columns(String line, int from, String... expected) {
    List<String> words = words(line);
    return words.size() >= from + expected.length
        && words.subList(from, from + expected.length).equals(List.of(expected));
  }

  private static List<String> words(String line) {
    return List.of(line.strip().split("\\s+"));
  }
}
