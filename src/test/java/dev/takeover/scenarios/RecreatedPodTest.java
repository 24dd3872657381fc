package dev.takeover.scenarios;

import dev.takeover.engine.plan.PodRef;
import dev.takeover.kube.PodOps.EvictionAnswer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** kubernetes/kubernetes#138229: evicting by name alone can hit the pod that replaced the one we planned for. */
class RecreatedPodTest extends ScenarioBase {

  private Pod create(String node) {
    return scene.k.pods().inNamespace(scene.ns).resource(new PodBuilder()
        .withNewMetadata().withName("mysql-0").addToLabels("app", "mysql-sts").endMetadata()
        .withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L)
        .addNewContainer().withName("mysql").withImage(Scene.IMAGE).endContainer().endSpec().build()).create();
  }

  @Test
  void a_recreated_pod_with_the_same_name_is_never_evicted() {
    String node = scene.workers().get(0);
    Pod planned = create(node);
    PodRef plannedRef = PodRef.of(planned);
    scene.k.pods().inNamespace(scene.ns).withName("mysql-0").withGracePeriod(0).delete();
    scene.awaitPods(pods -> pods.isEmpty(), "the planned mysql-0 gone");
    Pod recreated = create(node);
    assertNotEquals(plannedRef.uid(), recreated.getMetadata().getUid());

    EvictionAnswer answer;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      answer = EngineHarness.await(takeover.kube.pods.evict(plannedRef), Duration.ofSeconds(30));
    }

    assertEquals(EvictionAnswer.Kind.GONE, answer.kind(), answer.message());
    assertEquals(409, answer.status());
    Pod now = scene.pod("mysql-0");
    assertEquals(recreated.getMetadata().getUid(), now.getMetadata().getUid());
    assertNull(now.getMetadata().getDeletionTimestamp(), "the recreated pod is not terminating");
  }
}
