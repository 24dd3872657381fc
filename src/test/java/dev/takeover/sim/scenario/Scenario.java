package dev.takeover.sim.scenario;

import dev.takeover.sim.SimulatedCluster;
import dev.takeover.sim.controllers.ControllerLoop;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A cluster's starting state in a few lines, e.g.
 * <pre>
 * cluster.scenario()
 *     .node("kube-master").controlPlane().node("kube-node01").node("kube-node02")
 *     .pv("pv1", "1Gi", "standard")
 *     .headlessService("default", "mysql", 3306)
 *     .statefulSet("default", "mysql", s -> s.image("mysql:5.7").claimTemplate("pvc", "standard", "1Gi")
 *         .mount("pvc", "/var/lib/mysql").placeOn("kube-node02"))
 *     .daemonSet("kube-system", "kube-proxy", d -> d.toleratesEverything())
 *     .pdb("default", "mysql", b -> b.minAvailable(1))
 *     .apply();
 * </pre>
 * {@link #apply()} creates everything through the API while the controllers wait (placements are done as the
 * controllers, the scheduler and the PV binder would have done them), then returns once the cluster is settled.
 */
public final class Scenario {
  private static final Duration SETUP_BOUND = Duration.ofSeconds(30);
  private final SimulatedCluster cluster;
  private final KubernetesClient client;
  private final ControllerLoop loop;
  private final List<String> namespaces = new ArrayList<>(List.of("default", "kube-system", "kube-public", "kube-node-lease"));
  private final List<NodeSpec> nodes = new ArrayList<>();
  private final List<HasMetadata> plain = new ArrayList<>();
  private final List<StatefulSetSpec> statefulSets = new ArrayList<>();
  private final List<DeploymentSpec> deployments = new ArrayList<>();
  private final List<DaemonSetSpec> daemonSets = new ArrayList<>();
  private final List<BarePodSpec> pods = new ArrayList<>();

  public Scenario(SimulatedCluster cluster, KubernetesClient client, ControllerLoop loop) {
    this.cluster = cluster;
    this.client = client;
    this.loop = loop;
  }

  public Scenario node(String name) {
    return node(name, n -> { });
  }

  public Scenario node(String name, Consumer<NodeSpec> spec) {
    NodeSpec node = new NodeSpec(name);
    spec.accept(node);
    nodes.add(node);
    return this;
  }

  /** Makes the node declared last a control-plane node (label and NoSchedule taint). */
  public Scenario controlPlane() {
    if (nodes.isEmpty()) {
      throw new IllegalStateException("controlPlane() applies to the node declared before it");
    }
    nodes.get(nodes.size() - 1).controlPlane();
    return this;
  }

  public Scenario namespace(String name) {
    namespaces.add(name);
    return this;
  }

  /** A hostPath PersistentVolume (ReadWriteOnce, reclaim Delete). */
  public Scenario pv(String name, String size, String storageClass) {
    return pv(name, size, storageClass, v -> { });
  }

  public Scenario pv(String name, String size, String storageClass, Consumer<VolumeSpec> spec) {
    VolumeSpec volume = new VolumeSpec(name, size, storageClass);
    spec.accept(volume);
    plain.add(volume.build());
    return this;
  }

  /** A PersistentVolumeClaim (ReadWriteOnce); the PV binder binds it. */
  public Scenario pvc(String namespace, String name, String size, String storageClass) {
    PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
        .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec().build();
    plain.add(claim);
    return this;
  }

  /** A headless Service (clusterIP None) selecting app=NAME, with one TCP port named after the service's name. */
  public Scenario headlessService(String namespace, String name, int port) {
    return headlessService(namespace, name, port, name, name);
  }

  /** A headless Service selecting (and labelled) app=appLabel, its port named portName. */
  public Scenario headlessService(String namespace, String name, int port, String appLabel, String portName) {
    Service service = new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(Map.of("app", appLabel)).endMetadata()
        .withNewSpec().withClusterIP("None").withSelector(Map.of("app", appLabel))
        .addNewPort().withName(portName).withPort(port).endPort().endSpec().build();
    plain.add(service);
    return this;
  }

  public Scenario statefulSet(String namespace, String name, Consumer<StatefulSetSpec> spec) {
    StatefulSetSpec sts = new StatefulSetSpec(namespace, name);
    spec.accept(sts);
    statefulSets.add(sts);
    return this;
  }

  public Scenario deployment(String namespace, String name, Consumer<DeploymentSpec> spec) {
    DeploymentSpec deployment = new DeploymentSpec(namespace, name);
    spec.accept(deployment);
    deployments.add(deployment);
    return this;
  }

  /** A DaemonSet that tolerates every taint, like kube-proxy and flannel. */
  public Scenario daemonSet(String namespace, String name) {
    return daemonSet(namespace, name, DaemonSetSpec::toleratesEverything);
  }

  public Scenario daemonSet(String namespace, String name, Consumer<DaemonSetSpec> spec) {
    DaemonSetSpec ds = new DaemonSetSpec(namespace, name);
    spec.accept(ds);
    daemonSets.add(ds);
    return this;
  }

  /** A PodDisruptionBudget (selecting app=NAME unless told). */
  public Scenario pdb(String namespace, String name, Consumer<BudgetSpec> spec) {
    BudgetSpec budget = new BudgetSpec(namespace, name);
    spec.accept(budget);
    plain.add(budget.build());
    return this;
  }

  /** A pod no controller owns. */
  public Scenario pod(String namespace, String name, Consumer<BarePodSpec> spec) {
    BarePodSpec pod = new BarePodSpec(namespace, name);
    spec.accept(pod);
    pods.add(pod);
    return this;
  }

  /** Any other object, created as it is. */
  public Scenario resource(HasMetadata object) {
    plain.add(object);
    return this;
  }

  /** Creates it all, then waits (at most 30 s) until the cluster is settled. */
  public void apply() {
    loop.exclusively(() -> {
      new Restore(client, namespaces, nodes).create(plain, statefulSets, deployments, daemonSets, pods);
      return null;
    }, SETUP_BOUND);
    cluster.awaitSettled(SETUP_BOUND);
  }
}
