package dev.takeover.sim;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Object lifecycles a real API server has: merge-patch removal, namespace deletion that takes its content along. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ObjectLifecycleTest {
  private SimulatedCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void a_null_in_a_json_merge_patch_removes_the_member_as_rfc_7386_says() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).start();
    cluster.scenario().node("kube-node01").apply();
    KubernetesClient k = cluster.client();
    k.nodes().withName("kube-node01").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}}");
    Node patched = k.nodes().withName("kube-node01").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"a\":null}}}");
    assertFalse(patched.getMetadata().getAnnotations().containsKey("a"), patched.getMetadata().getAnnotations().toString());
    assertEquals("2", patched.getMetadata().getAnnotations().get("b"));
  }

  @Test
  void a_deleted_namespace_terminates_its_pods_and_goes_once_it_is_empty() {
    cluster = Seed.cluster(SimTiming.fast());
    KubernetesClient k = cluster.client();
    k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
    cluster.scenario().deployment("shop", "web", d -> d.replicas(3)).apply();
    assertEquals(3, k.pods().inNamespace("shop").list().getItems().size());

    k.namespaces().withName("shop").delete();
    // Right after the DELETE the namespace is still there, Terminating, as on a real server.
    var terminating = k.namespaces().withName("shop").get();
    assertNotNull(terminating);
    assertEquals("Terminating", terminating.getStatus().getPhase());

    cluster.awaitSettled(Duration.ofSeconds(10));
    assertEquals(null, k.namespaces().withName("shop").get());
    assertTrue(k.pods().inNamespace("shop").list().getItems().isEmpty());
    assertTrue(k.apps().deployments().inNamespace("shop").list().getItems().isEmpty());
  }
}
