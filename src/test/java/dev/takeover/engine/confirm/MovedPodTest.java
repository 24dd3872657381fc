package dev.takeover.engine.confirm;

import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The confirm step's predicate, on pods shaped like the recorded mysql-0 before and after its move. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MovedPodTest {
  private static final PodRef OLD = new PodRef("default", "mysql-0", "uid-old");
  private static final List<ClaimBinding> CLAIMS = List.of(new ClaimBinding("pvc-mysql-0", "pv1"));

  private static PodBuilder pod(String uid, String node, boolean ready, String claim) {
    PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("default").withName("mysql-0").withUid(uid).endMetadata()
        .withNewSpec().withNodeName(node)
        .addNewVolume().withName("pvc").withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().endVolume()
        .endSpec()
        .withNewStatus().withPhase(node == null ? "Pending" : "Running")
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus();
    return b;
  }

  @Test
  void the_same_name_with_a_new_uid_ready_on_another_node_with_the_same_claim_has_arrived() {
    assertTrue(MovedPod.arrived(OLD, "kube-node02", CLAIMS, pod("uid-new", "kube-node01", true, "pvc-mysql-0").build()));
  }

  @Test
  void the_old_pod_still_there_has_not_arrived() {
    Pod old = pod("uid-old", "kube-node02", true, "pvc-mysql-0").build();
    assertFalse(MovedPod.arrived(OLD, "kube-node02", CLAIMS, old));
    assertEquals("the old pod is still there", MovedPod.whyNot(OLD, "kube-node02", old));
  }

  @Test
  void a_new_pod_on_the_same_node_has_not_moved() {
    assertFalse(MovedPod.arrived(OLD, "kube-node02", CLAIMS, pod("uid-new", "kube-node02", true, "pvc-mysql-0").build()));
  }

  @Test
  void a_new_pod_not_ready_yet_has_not_arrived_and_says_where_it_is() {
    Pod p = pod("uid-new", "kube-node01", false, "pvc-mysql-0").build();
    assertFalse(MovedPod.arrived(OLD, "kube-node02", CLAIMS, p));
    assertEquals("recreated on kube-node01 but not Ready", MovedPod.whyNot(OLD, "kube-node02", p));
  }

  @Test
  void a_new_pod_with_another_claim_has_not_arrived() {
    assertFalse(MovedPod.arrived(OLD, "kube-node02", CLAIMS, pod("uid-new", "kube-node01", true, "pvc-other").build()));
  }

  @Test
  void a_pending_pod_reports_the_schedulers_reason() {
    Pod p = pod("uid-new", null, false, "pvc-mysql-0").editStatus().addNewCondition().withType("PodScheduled")
        .withStatus("False").withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 1 node(s) were unschedulable.").endCondition().endStatus().build();
    assertEquals("recreated but Pending, not scheduled: 0/3 nodes are available: 1 node(s) were unschedulable.",
        MovedPod.whyNot(OLD, "kube-node02", p));
  }

  @Test
  void no_pod_at_all_means_the_statefulset_has_not_recreated_it() {
    assertEquals("no pod mysql-0 yet: the StatefulSet has not recreated it", MovedPod.whyNot(OLD, "kube-node02", null));
  }
}
