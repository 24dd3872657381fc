package dev.takeover.sim;

import dev.takeover.sim.scenario.Scenario;
import io.fabric8.kubernetes.api.model.ExecActionBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;

/**
 * The seed's cluster (the one recorded in shared/k8s-api): kube-master (control plane, tainted), kube-node01,
 * kube-node02; headless Service and StatefulSet mysql with mysql-0 Running on kube-node02 and pvc-mysql-0 Bound to
 * pv1; DaemonSets kube-proxy and kube-flannel-ds on every node.
 */
public final class Seed {
  private Seed() {}

  /** A started simulated cluster holding the seed's objects, settled. */
  public static SimulatedCluster cluster(SimTiming timing) {
    SimulatedCluster cluster = SimulatedCluster.builder().timing(timing).start();
    try {
      apply(cluster);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Adds the seed's objects to {@code cluster} (e.g. one built with a port or a request hook). */
  public static void apply(SimulatedCluster cluster) {
    scenario(cluster.scenario()).apply();
  }

  static Scenario scenario(Scenario scenario) {
    return scenario
        .node("kube-master").controlPlane()
        .node("kube-node01")
        .node("kube-node02")
        .pv("pv1", "1Gi", "standard")
        .headlessService("default", "mysql", 3306, "mysql-sts", "mysql")
        .statefulSet("default", "mysql", s -> s
            .appLabel("mysql-sts")
            .serviceName("mysql")
            .replicas(1)
            .image("mysql:5.7")
            .env("MYSQL_ROOT_PASSWORD", "qwerty")
            .port("mysql", 3306)
            .mount("pvc", "/var/lib/mysql", "data")
            .container(c -> c.setLivenessProbe(new ProbeBuilder()
                .withExec(new ExecActionBuilder().withCommand("mysqladmin", "ping").build())
                .withInitialDelaySeconds(60).withTimeoutSeconds(10).build()))
            .claimTemplate("pvc", "standard", "1Gi")
            .placeOn("kube-node02"))
        .daemonSet("kube-system", "kube-proxy", d -> d
            .appLabel("kube-proxy").label("k8s-app", "kube-proxy")
            .image("registry.k8s.io/kube-proxy:v1.32.13").toleratesEverything()
            .pod(p -> { p.setHostNetwork(true); p.setPriorityClassName("system-node-critical"); }))
        .daemonSet("kube-system", "kube-flannel-ds", d -> d
            .appLabel("flannel").label("tier", "node")
            .image("docker.io/flannel/flannel:v0.26.1").toleratesEverything()
            .pod(p -> { p.setHostNetwork(true); p.setPriorityClassName("system-node-critical"); }));
  }
}
