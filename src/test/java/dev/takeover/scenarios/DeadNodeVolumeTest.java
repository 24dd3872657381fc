package dev.takeover.scenarios;

import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.sim.SimTiming;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.takeover.scenarios.DeadNodeScene.DEAD;
import static dev.takeover.scenarios.DeadNodeScene.MANUAL;
import static dev.takeover.scenarios.DeadNodeScene.assertMovedOnce;
import static dev.takeover.scenarios.DeadNodeScene.indexOf;
import static dev.takeover.scenarios.DeadNodeScene.mysqlOnDead;
import static dev.takeover.scenarios.DeadNodeScene.recover;
import static dev.takeover.scenarios.DeadNodeScene.stopAndAwaitDown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dead node's volume is let go at Kubernetes' pace: a detach lasts until the CSI driver has unpublished the volume
 * (the VolumeAttachment stays, deleted, held by the external-attacher's finalizer), and a cluster run with
 * --disable-force-detach-on-timeout never lets go of it without the out-of-service taint. The run tells which, and
 * succeeds only once the new pod has the volume. Simulator only: a real node cannot be stopped here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodeVolumeTest {

  @BeforeEach
  void simulatorOnly() {
    Assumptions.assumeTrue(TestCluster.realKubeconfig() == null, "a node can only be stopped on the simulated cluster");
  }

  @Test
  void a_volume_still_being_detached_is_told_and_the_run_succeeds_once_the_new_pod_has_it() {
    // ControllerUnpublish takes 2 s: the VolumeAttachment stays, deleted, held by the external-attacher's finalizer.
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(b -> b.timing(SimTiming.fast()
        .withDetachDelay(Duration.ofSeconds(2))));
         Scene s = Scene.in(sim, "lingering-detach")) {
      String pv = mysqlOnDead(s, true);
      try (EngineHarness h = new EngineHarness(sim, c -> c, new Engine.Recovering(MANUAL, null));
           DeadNodeScene.Incarnations mysql = new DeadNodeScene.Incarnations(sim, s.ns)) {
        stopAndAwaitDown(sim, s.ns);

        long start = System.nanoTime();
        EngineHarness.Result r = h.submit(recover());
        System.out.printf("lingering detach (2 s): recovered in %d ms%n", (System.nanoTime() - start) / 1_000_000);

        assertEquals(Outcome.Status.SUCCEEDED, r.outcome().status(), r.outcome().reason());
        List<String> warnings = r.ofType("takeover.warning").stream().map(e -> e.getString("message")).toList();
        int held = indexOf(r, "takeover.warning", pv + " is still attached to " + DEAD);
        int released = indexOf(r, "takeover.warning", pv + " was detached from " + DEAD + " after ");
        int confirmed = indexOf(r, "takeover.pod.confirmed", "");
        assertTrue(held >= 0 && released > held, warnings.toString());
        assertTrue(confirmed > released, "confirmed only once the volume was let go: " + r.events());
        Matcher waited = Pattern.compile("after (\\d+\\.\\d) s").matcher(warnings.stream()
            .filter(w -> w.startsWith(pv + " was detached")).findFirst().orElseThrow());
        assertTrue(waited.find());
        double seconds = Double.parseDouble(waited.group(1));
        assertTrue(seconds >= 1.0 && seconds <= 4.0, "about the 2 s of ControllerUnpublish: " + seconds + " s");
        assertMovedOnce(r, mysql, pv);
      }
    }
  }

  @Test
  void without_the_taint_on_a_cluster_that_never_force_detaches_the_run_fails_naming_the_volume_the_dead_node_holds() {
    try (Clusters.Simulated sim = Clusters.Simulated.seedNodes(b -> b.timing(SimTiming.fast())
        .disableForceDetachOnTimeout());
         Scene s = Scene.in(sim, "never-force-detached")) {
      String pv = mysqlOnDead(s, true);
      // Twice the 3 s after which a cluster that force-detaches would have let go of it.
      Duration confirmTimeout = sim.sim.timing().maxWaitForUnmount().multipliedBy(2);
      try (EngineHarness h = new EngineHarness(sim, c -> c.withConfirmTimeout(confirmTimeout),
          new Engine.Recovering(MANUAL.withOutOfServiceTaint(false), null))) {
        stopAndAwaitDown(sim, s.ns);

        EngineHarness.Result r = h.submit(recover());

        Outcome out = r.outcome();
        assertEquals(Outcome.Status.FAILED, out.status(), out.reason());
        assertTrue(out.reason().contains(s.ns + "/mysql-0: not confirmed before the confirm timeout"), out.reason());
        assertTrue(out.reason().contains(pv + " is still attached to " + DEAD + " (VolumeAttachment csi-"), out.reason());
        assertTrue(out.reason().contains("--disable-force-detach-on-timeout"), out.reason());
        List<String> warnings = r.ofType("takeover.warning").stream().map(e -> e.getString("message")).toList();
        assertFalse(warnings.stream().anyMatch(w -> w.startsWith(pv + " was detached")), warnings.toString());
        assertTrue(sim.client().storage().v1().volumeAttachments().list().getItems().stream()
            .anyMatch(va -> DEAD.equals(va.getSpec().getNodeName()) && pv.equals(va.getSpec().getSource()
                .getPersistentVolumeName())), "the dead node still holds it");
        assertNull(DeadNodeRecoveryTest.outOfService(sim.client().nodes().withName(DEAD).get()));
      }
    }
  }
}
