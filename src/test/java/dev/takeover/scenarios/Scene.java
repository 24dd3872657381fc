package dev.takeover.scenarios;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One scenario's corner of a cluster, set up through the public API only: a fresh namespace, volumes named
 * after it, workloads in it, and cleanup (namespace, volumes, any cordon the test itself left).
 */
final class Scene implements AutoCloseable {
  /** A tiny image: on a real cluster it starts in a second and stops at once on SIGTERM. */
  static final String IMAGE = "registry.k8s.io/pause:3.10";

  final TestCluster cluster;
  final KubernetesClient k;
  final String ns;
  private final List<String> volumes = new ArrayList<>();

  private Scene(TestCluster cluster, String ns) {
    this.cluster = cluster;
    this.k = cluster.client();
    this.ns = ns;
  }

  /** A scene in namespace {@code name} (the seed uses "default"), or a fresh one named after the test. */
  static Scene in(TestCluster cluster, String testName) {
    String base = testName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    String ns = ("to-" + base).substring(0, Math.min(40, base.length() + 3)).replaceAll("-$", "")
        + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return new Scene(cluster, ns);
  }

  /** Ready, schedulable nodes that are not control plane, by name. */
  List<String> workers() {
    return k.nodes().list().getItems().stream()
        .filter(n -> !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
        .filter(n -> n.getMetadata().getLabels() == null
            || !n.getMetadata().getLabels().containsKey("node-role.kubernetes.io/control-plane"))
        .filter(n -> n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .map(n -> n.getMetadata().getName()).sorted().toList();
  }

  Node node(String name) {
    return k.nodes().withName(name).get();
  }

  Pod pod(String name) {
    return k.pods().inNamespace(ns).withName(name).get();
  }

  List<Pod> podsOn(String node) {
    return k.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems();
  }

  /** A volume name unique in the cluster (volumes are not namespaced). */
  String volumeName(String base) {
    return base + "-" + ns;
  }

  /** A hostPath PV of class {@code standard}, pre-bound to the claim {@code claim} of this namespace. */
  Scene volume(String name, String size, String claim, String pinnedToNode) {
    PersistentVolumeBuilder pv = new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withCapacity(Map.of("storage", new Quantity(size))).withAccessModes("ReadWriteOnce")
        .withStorageClassName("standard").withPersistentVolumeReclaimPolicy("Retain")
        .withNewHostPath().withPath("/tmp/takeover-e2e/" + name).withType("DirectoryOrCreate").endHostPath()
        .withNewClaimRef().withNamespace(ns).withName(claim).endClaimRef()
        .endSpec();
    if (pinnedToNode != null) {
      // What a local volume looks like: usable on that node only.
      pv.editSpec().withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm()
          .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("kubernetes.io/hostname").withOperator("In")
              .withValues(pinnedToNode).build())
          .endNodeSelectorTerm().endRequired().endNodeAffinity().endSpec();
    }
    k.persistentVolumes().resource(pv.build()).create();
    volumes.add(name);
    return this;
  }

  /** A CSI volume (ReadWriteOnce, attached to one node at a time) pre-bound to {@code claim}; simulator only. */
  Scene csiVolume(String name, String size, String claim) {
    k.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withCapacity(Map.of("storage", new Quantity(size))).withAccessModes("ReadWriteOnce")
        .withStorageClassName("standard").withPersistentVolumeReclaimPolicy("Retain")
        .withNewCsi().withDriver("ebs.csi.aws.com").withVolumeHandle("vol-" + name).withFsType("ext4").endCsi()
        .withNewClaimRef().withNamespace(ns).withName(claim).endClaimRef()
        .endSpec().build()).create();
    volumes.add(name);
    return this;
  }

  Scene headlessService(String name, String app, int port) {
    k.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName(name)
        .addToLabels("app", app).endMetadata()
        .withNewSpec().withClusterIP("None").addToSelector("app", app).addNewPort().withName(name).withPort(port).endPort()
        .endSpec().build()).create();
    return this;
  }

  /** A StatefulSet like the seed's: one claim template "pvc" of class standard. */
  Scene statefulSet(String name, String app, int replicas, String size, Consumer<PodSpecBuilder> pod) {
    PodSpecBuilder spec = new PodSpecBuilder().withTerminationGracePeriodSeconds(5L)
        .addNewContainer().withName(name).withImage(IMAGE)
        .addNewVolumeMount().withName("pvc").withMountPath("/var/lib/" + name).endVolumeMount().endContainer();
    pod.accept(spec);
    k.apps().statefulSets().inNamespace(ns).resource(new StatefulSetBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withServiceName(name).withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", app).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata().withSpec(spec.build()).endTemplate()
        .addNewVolumeClaimTemplate().withNewMetadata().withName("pvc").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName("standard").withVolumeMode("Filesystem")
        .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec()
        .endVolumeClaimTemplate()
        .endSpec().build()).create();
    return this;
  }

  Scene deployment(String name, int replicas) {
    k.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(5L).addNewContainer().withName(name).withImage(IMAGE)
        .endContainer().endSpec().endTemplate().endSpec().build()).create();
    return this;
  }

  /** A PodDisruptionBudget on label app=APP; exactly one of minAvailable / maxUnavailable is non-null. */
  Scene budget(String name, String app, Integer minAvailable, Integer maxUnavailable) {
    PodDisruptionBudgetBuilder b = new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", app).endSelector().endSpec();
    if (minAvailable != null) {
      b.editSpec().withMinAvailable(new IntOrString(minAvailable)).endSpec();
    } else {
      b.editSpec().withMaxUnavailable(new IntOrString(maxUnavailable)).endSpec();
    }
    k.policy().v1().podDisruptionBudget().inNamespace(ns).resource(b.build()).create();
    return this;
  }

  /**
   * Creates workloads so that their pods start on {@code node}: the other workers are cordoned while they are
   * scheduled, then uncordoned — what an operator would do, and it works on any cluster.
   */
  Scene placedOn(String node, int pods, Runnable create) {
    List<String> others = workers().stream().filter(n -> !n.equals(node)).toList();
    others.forEach(n -> setUnschedulable(n, true));
    try {
      create.run();
      awaitPods(list -> list.stream().filter(p -> node.equals(p.getSpec().getNodeName()) && ready(p)).count() >= pods,
          "the scene's " + pods + " pods Ready on " + node);
    } finally {
      others.forEach(n -> setUnschedulable(n, false));
      others.forEach(this::awaitSchedulable);
    }
    return this;
  }

  /**
   * Waits (bounded polling) until the node controller has taken the node.kubernetes.io/unschedulable taint off an
   * uncordoned node: until then the scheduler, and so the plan, still count it out.
   */
  void awaitSchedulable(String node) {
    long deadline = System.nanoTime() + cluster.patience().toNanos();
    while (System.nanoTime() < deadline) {
      Node n = node(node);
      boolean tainted = n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
          .anyMatch(t -> "node.kubernetes.io/unschedulable".equals(t.getKey()));
      if (!tainted && !Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
    throw new AssertionError(node + " still unschedulable after " + cluster.patience());
  }

  /** Uncordons the node and erases any record Takeover left on it (cleanup after a scenario that kept it). */
  void restore(String node) {
    StringBuilder erase = new StringBuilder();
    for (String key : dev.takeover.engine.NodeRecord.erased().keySet()) {
      erase.append(erase.length() == 0 ? "" : ",").append('"').append(key).append("\":null");
    }
    k.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{" + erase + "}},\"spec\":{\"unschedulable\":null}}");
  }

  void setUnschedulable(String node, boolean on) {
    k.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"unschedulable\":" + (on ? "true" : "null") + "}}");
  }

  /** Waits, by watch, until the namespace's pods satisfy the condition; fails after the cluster's patience. */
  List<Pod> awaitPods(Predicate<List<Pod>> condition, String what) {
    try {
      return k.pods().inNamespace(ns).informOnCondition(condition)
          .get(cluster.patience().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("timed out after " + cluster.patience() + " waiting for " + what + "; pods now: "
          + k.pods().inNamespace(ns).list().getItems().stream().map(Scene::describe).toList(), e);
    }
  }

  static boolean ready(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static String describe(Pod p) {
    return p.getMetadata().getName() + "@" + p.getSpec().getNodeName() + "/" + (p.getStatus() == null ? "?" : p.getStatus().getPhase())
        + (ready(p) ? "/Ready" : "");
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }

  /**
   * Deletes the namespace and its volumes and waits until they are gone: a namespace's deletion takes time (its
   * pods terminate first), and the next scenario must not find this one's pods on its nodes.
   */
  @Override
  public void close() {
    k.namespaces().withName(ns).delete();
    long bound = cluster.patience().toMillis();
    try {
      k.namespaces().withName(ns).informOnCondition(list -> list.isEmpty()).get(bound, TimeUnit.MILLISECONDS);
      for (String pv : volumes) {
        k.persistentVolumes().withName(pv).delete();
      }
      for (String pv : volumes) {
        k.persistentVolumes().withName(pv).informOnCondition(list -> list.isEmpty()).get(bound, TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      throw new AssertionError("namespace " + ns + " or its volumes not gone after " + cluster.patience(), e);
    }
  }
}
