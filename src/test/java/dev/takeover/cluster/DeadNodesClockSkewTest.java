package dev.takeover.cluster;

import dev.takeover.cluster.DeadNodes.EndOutOfService;
import dev.takeover.cluster.NodeViews.LeaseView;
import dev.takeover.cluster.NodeViews.NodeView;
import dev.takeover.cluster.DeadNodes.Pass;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Review of issue 14: a Lease's renewTime is written with the kubelet's clock, not the daemon's. Kubernetes' node
 * lifecycle controller never compares the two: it notes, on its own clock, when it saw the Lease change
 * (observedLeaseTime), so a node whose clock is a minute off is still known alive. Here the kubelet renews every 10 s
 * as it should, but its clock is 60 s behind the daemon's.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodesClockSkewTest {
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  static final long SKEW = 60;

  final DeadNodes dead = new DeadNodes(Duration.ofMinutes(5), Duration.ofMinutes(1));

  DeadNodesClockSkewTest() {
    dead.leasesListed(java.util.Map.of());
    dead.toldBefore(java.util.Map.of());
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** The kubelet renews at daemon time {@code at}, writing its own (slow) clock. */
  void kubeletRenews(String node, long at) {
    dead.lease(node, new LeaseView(at(at - SKEW), Duration.ofSeconds(40)));
  }

  @Test
  void a_node_back_and_ready_whose_kubelet_clock_is_a_minute_behind_gets_its_out_of_service_taint_removed() {
    dead.node(new NodeView("w2", true, null, "", false, "recover-w2-1"), at(0));
    List<EndOutOfService> asked = new ArrayList<>();
    for (long t = 0; t <= 120; t += 10) {
      kubeletRenews("w2", t);
      dead.pass(at(t + 1)).decisions().stream().filter(d -> d instanceof EndOutOfService)
          .forEach(d -> asked.add((EndOutOfService) d));
    }
    assertEquals(1, asked.size(), "Ready, its Lease renewed every 10 s for two minutes: the taint stays for ever");
  }

  @Test
  void a_dead_node_whose_kubelet_clock_ran_ten_minutes_ahead_is_down_after_the_grace_not_ten_minutes_later() {
    long ahead = 600;
    // Renewals every 10 s until it dies at 100 (daemon time), each written on a clock 10 min ahead, seen at once.
    for (long t = 0; t <= 100; t += 10) {
      dead.lease("w2", new LeaseView(at(t + ahead), Duration.ofSeconds(40), at(t)));
    }
    dead.lease("w2", new LeaseView(at(100 + ahead), Duration.ofSeconds(40), at(130))); // a re-list: same renewal
    // The node lifecycle controller, on its own clock, marks it Unknown 50 s after the last renewal it saw.
    dead.node(new NodeView("w2", false, at(150), "Ready Unknown (NodeStatusUnknown)", false), at(150));

    Pass pass = dead.pass(at(451));
    assertEquals(List.of("w2"), pass.suspects(), "its Lease, renewed at 100 as seen here, expired at 140: "
        + pass.decisions());
  }

  @Test
  void a_not_ready_node_whose_kubelet_renews_its_lease_with_a_slow_clock_is_alive_not_down() {
    dead.node(new NodeView("w2", false, at(0), "Ready False (KubeletNotReady)", false), at(0));
    List<String> suspects = new ArrayList<>();
    for (long t = 0; t <= 400; t += 10) {
      kubeletRenews("w2", t);
      Pass pass = dead.pass(at(t + 1));
      suspects.addAll(pass.suspects());
    }
    assertFalse(suspects.contains("w2"), "a kubelet renewing its Lease every 10 s was taken for a dead node");
  }
}
