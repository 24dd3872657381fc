package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pod evicted but never gone (here a finalizer no controller removes, as a stuck volume detach or a broken
 * operator leaves it): the drain's timeout says what was last seen of it, and when, instead of guessing.
 */
class DrainTimeoutTest extends ScenarioBase {

  @Test
  void a_pod_still_terminating_at_the_drain_timeout_is_named_with_what_was_last_seen_of_it_and_when() {
    String node = scene.workers().get(0);
    scene.placedOn(node, 1, () -> scene.k.apps().deployments().inNamespace(scene.ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("held").endMetadata()
        .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "held").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "held").addToFinalizers("takeover.dev/test-hold")
        .endMetadata().withNewSpec().withTerminationGracePeriodSeconds(1L).addNewContainer().withName("held")
        .withImage(Scene.IMAGE).endContainer().endSpec().endTemplate().endSpec().build()).create());
    Pod held = scene.podsOn(node).stream().filter(p -> p.getMetadata().getName().startsWith("held-")).findFirst()
        .orElseThrow();
    Duration drainTimeout = cluster.simulated() ? Duration.ofSeconds(3) : Duration.ofSeconds(20);

    EngineHarness.Result result;
    try (EngineHarness takeover = new EngineHarness(cluster)) {
      result = takeover.takeover(node, Ticket.Options.defaults().withDrainTimeout(drainTimeout));
    } finally {
      // Let the namespace go: no new held pods, and none left holding.
      scene.k.apps().deployments().inNamespace(scene.ns).withName("held").delete();
      for (Pod p : scene.k.pods().inNamespace(scene.ns).withLabel("app", "held").list().getItems()) {
        scene.k.pods().inNamespace(scene.ns).withName(p.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
      }
    }

    Outcome out = result.outcome();
    assertEquals(Outcome.Status.FAILED, out.status(), out.reason());
    String pod = scene.ns + "/" + held.getMetadata().getName();
    // Its kubelet finished it (grace period 0), but the finalizer holds the object: the message says both.
    assertTrue(out.reason().matches(".*" + pod + ": evicted, but terminating since \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\(grace period"
        + " [01] s; held by finalizers takeover.dev/test-hold\\), as of \\d\\d:\\d\\d:\\d\\d\\.\\d{3}, last listed at"
        + " \\d\\d:\\d\\d:\\d\\d\\.\\d{3} when the drain timed out.*"), out.reason());
    assertTrue(out.reason().contains("uncordoned (failure policy uncordon)"), out.reason());
  }
}
