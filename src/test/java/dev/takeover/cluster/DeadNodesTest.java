package dev.takeover.cluster;

import dev.takeover.cluster.DeadNodes.Alive;
import dev.takeover.cluster.DeadNodes.Down;
import dev.takeover.cluster.DeadNodes.EndOutOfService;
import dev.takeover.cluster.NodeViews.LeaseView;
import dev.takeover.cluster.NodeViews.NodeView;
import dev.takeover.cluster.DeadNodes.PartitionOver;
import dev.takeover.cluster.DeadNodes.Partitioned;
import dev.takeover.cluster.DeadNodes.Pass;
import dev.takeover.cluster.DeadNodes.Recovered;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of a dead node, on a clock the test moves: grace, Lease, flapping, maintenance, recovery. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodesTest {
  static final Duration GRACE = Duration.ofMinutes(5);
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  static final List<String> MYSQL = List.of("default/mysql-0");

  final DeadNodes dead = new DeadNodes(GRACE, Duration.ofMinutes(1));

  DeadNodesTest() {
    dead.leasesListed(Map.of()); // listed, none yet: each test adds the Leases it needs
    dead.toldBefore(Map.of()); // nothing told before this process
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  void ready(String node, long at) {
    dead.node(new NodeView(node, true, null, "", false), at(at));
  }

  void notReadySince(String node, long since, long at) {
    dead.node(new NodeView(node, false, at(since), "Ready Unknown (NodeStatusUnknown)", false), at(at));
  }

  void leaseRenewedAt(String node, long at) {
    dead.lease(node, new LeaseView(at(at), Duration.ofSeconds(40)));
  }

  @Test
  void a_node_not_ready_past_the_grace_with_its_lease_expired_and_a_statefulset_pod_is_down_once() {
    leaseRenewedAt("n2", -5);
    notReadySince("n2", 0, 0);
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(300)), "not past the grace yet");

    Pass pass = dead.pass(at(301));
    assertEquals(List.of("n2"), pass.suspects(), "its pods are to be listed");
    assertEquals(List.of(), dead.pass(at(302)).suspects(), "not listed twice at once");
    Down down = dead.podsListed("n2", MYSQL, at(303));
    assertNotNull(down);
    assertEquals(at(0), down.notReadySince());
    assertEquals(at(-5), down.leaseRenewedAt());
    assertEquals(MYSQL, down.pods());
    assertTrue(down.reason().contains("NodeStatusUnknown"), down.reason());

    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(900)), "once per down period");
    assertEquals(java.util.Set.of("n2"), dead.downNodes());
  }

  @Test
  void no_node_is_judged_before_the_leases_are_listed_for_its_kubelet_may_be_renewing_one() {
    DeadNodes fresh = new DeadNodes(GRACE, Duration.ofMinutes(1));
    fresh.toldBefore(Map.of());
    fresh.node(new NodeView("n2", false, at(0), "Ready Unknown (NodeStatusUnknown)", false), at(0));
    assertEquals(new Pass(List.of(), List.of()), fresh.pass(at(400)), "the Leases are not listed yet");
    fresh.leasesListed(Map.of("n2", new LeaseView(at(395), Duration.ofSeconds(40))));
    Pass listed = fresh.pass(at(401));
    assertEquals(List.of(), listed.suspects(), "its Lease is renewed: alive, not a suspect");
    assertInstanceOf(DeadNodes.Alive.class, listed.decisions().get(0), listed.toString());
  }

  @Test
  void a_node_back_before_the_grace_produces_nothing() {
    notReadySince("n2", 0, 0);
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(200)));
    ready("n2", 250);
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(400)));
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(4000)));
  }

  @Test
  void a_flapping_node_produces_nothing_until_it_stays_down_past_the_grace() {
    for (long t = 0; t < 3000; t += 200) {
      notReadySince("n2", t, t);
      assertEquals(new Pass(List.of(), List.of()), dead.pass(at(t + 150)), "down at " + t);
      ready("n2", t + 160);
      assertEquals(new Pass(List.of(), List.of()), dead.pass(at(t + 190)));
    }
    notReadySince("n2", 3000, 3000);
    assertEquals(List.of(), dead.pass(at(3300)).suspects(), "the grace counts from the last change");
    assertEquals(List.of("n2"), dead.pass(at(3301)).suspects());
    assertNotNull(dead.podsListed("n2", MYSQL, at(3301)));
  }

  @Test
  void a_node_whose_lease_is_still_renewed_is_alive_whatever_ready_says() {
    notReadySince("n2", 0, 0);
    leaseRenewedAt("n2", 290);
    Pass pass = dead.pass(at(301));
    assertEquals(List.of(), pass.suspects());
    Alive alive = assertInstanceOf(Alive.class, pass.decisions().get(0));
    assertEquals(at(290), alive.leaseRenewedAt());
    assertTrue(alive.reason().contains("Lease was renewed"), alive.reason());
    leaseRenewedAt("n2", 320);
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(340)), "told once per not-Ready period");

    // The kubelet stops as well: 40 s after the last renewal, the node is a suspect.
    assertEquals(List.of(), dead.pass(at(359)).suspects());
    assertEquals(List.of("n2"), dead.pass(at(361)).suspects());
  }

  @Test
  void a_lease_renewed_while_the_pods_were_listed_keeps_the_node_alive() {
    notReadySince("n2", 0, 0);
    assertEquals(List.of("n2"), dead.pass(at(301)).suspects(), "no Lease at all: no evidence of life");
    leaseRenewedAt("n2", 302);
    assertNull(dead.podsListed("n2", MYSQL, at(303)));
  }

  @Test
  void a_node_under_a_takeover_maintenance_is_not_dead() {
    dead.node(new NodeView("n2", false, at(0), "Ready Unknown", true), at(0));
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(3600)));
  }

  @Test
  void a_node_without_statefulset_pods_is_not_down_and_is_listed_again_only_after_a_while() {
    notReadySince("n2", 0, 0);
    assertEquals(List.of("n2"), dead.pass(at(301)).suspects());
    assertNull(dead.podsListed("n2", List.of(), at(301)));
    assertEquals(List.of(), dead.pass(at(330)).suspects());
    assertEquals(List.of("n2"), dead.pass(at(361)).suspects());
  }

  @Test
  void a_failed_pod_list_is_tried_again_at_the_next_pass() {
    notReadySince("n2", 0, 0);
    assertEquals(List.of("n2"), dead.pass(at(301)).suspects());
    dead.listFailed("n2");
    assertEquals(List.of("n2"), dead.pass(at(302)).suspects());
  }

  @Test
  void a_down_node_ready_again_is_recovered_once_and_can_go_down_again() {
    notReadySince("n2", 0, 0);
    dead.pass(at(301));
    dead.podsListed("n2", MYSQL, at(301));
    ready("n2", 400);
    Pass pass = dead.pass(at(401));
    Recovered r = assertInstanceOf(Recovered.class, pass.decisions().get(0));
    assertEquals(MYSQL, r.pods());
    assertEquals(at(0), r.notReadySince());
    assertTrue(r.reason().startsWith("Ready again after 401 s"), r.reason());
    assertEquals(new Pass(List.of(), List.of()), dead.pass(at(402)), "recovered once");

    notReadySince("n2", 500, 500);
    assertEquals(List.of("n2"), dead.pass(at(801)).suspects(), "a new down period");
    assertNotNull(dead.podsListed("n2", MYSQL, at(801)));
  }

  @Test
  void a_down_node_whose_kubelet_is_heard_again_though_not_ready_is_no_longer_down() {
    notReadySince("n2", 0, 0);
    dead.pass(at(301));
    dead.podsListed("n2", MYSQL, at(301));
    leaseRenewedAt("n2", 400); // the kubelet runs again; its status posts do not arrive (yet)
    Recovered heartbeat = assertInstanceOf(Recovered.class, dead.pass(at(401)).decisions().get(0));
    assertTrue(heartbeat.reason().contains("its Lease was renewed at " + at(400)), heartbeat.reason());
    assertEquals(List.of(), dead.pass(at(402)).suspects(), "alive: not a suspect while its Lease is renewed");

    DeadNodes other = new DeadNodes(GRACE, Duration.ofMinutes(1));
    other.leasesListed(Map.of());
    other.toldBefore(Map.of());
    other.node(new NodeView("n3", false, at(0), "Ready Unknown (NodeStatusUnknown)", false), at(0));
    other.pass(at(301));
    other.podsListed("n3", MYSQL, at(301));
    other.node(new NodeView("n3", false, at(390), "Ready False (KubeletNotReady)", false), at(390));
    Recovered posted = assertInstanceOf(Recovered.class, other.pass(at(391)).decisions().get(0));
    assertTrue(posted.reason().startsWith("its kubelet is heard again (Ready False (KubeletNotReady))"),
        posted.reason());
  }

  @Test
  void a_down_node_removed_from_the_cluster_is_recovered_so_its_pods_are_no_longer_counted() {
    notReadySince("n2", 0, 0);
    ready("n1", 0);
    dead.pass(at(301));
    dead.podsListed("n2", MYSQL, at(301));
    dead.nodesListed(List.of(new NodeView("n1", true, null, "", false)), at(500));
    Recovered r = assertInstanceOf(Recovered.class, dead.pass(at(501)).decisions().get(0));
    assertTrue(r.reason().contains("removed"), r.reason());
  }

  @Test
  void a_node_that_never_said_when_it_went_not_ready_counts_from_when_it_was_first_seen_so() {
    dead.node(new NodeView("n2", false, null, "Ready Unknown", false), at(100));
    dead.leasesListed(Map.of("n2", new LeaseView(at(0), null)));
    assertEquals(List.of(), dead.pass(at(400)).suspects());
    assertEquals(List.of("n2"), dead.pass(at(401)).suspects());
  }

  // The partition guard: a cluster of a control-plane node and three workers, listed as the watch lists them.

  static NodeView up(String node) {
    return new NodeView(node, true, null, "", false);
  }

  static NodeView unknown(String node) {
    return new NodeView(node, false, at(0), "Ready Unknown (NodeStatusUnknown)", false);
  }

  void cluster(long at, NodeView... views) {
    dead.nodesListed(List.of(views), at(at));
  }

  void leases(long renewedAt, String... nodes) {
    Map<String, LeaseView> all = new java.util.HashMap<>();
    for (String n : nodes) {
      all.put(n, new LeaseView(at(renewedAt), Duration.ofSeconds(40)));
    }
    dead.leasesListed(all);
  }

  List<DeadNodes.Decision> guardDecisions(long at) {
    return dead.pass(at(at)).decisions().stream()
        .filter(d -> d instanceof Partitioned || d instanceof PartitionOver).toList();
  }

  @Test
  void two_of_three_workers_down_at_once_is_a_partition_told_once_without_waiting_for_the_grace() {
    leases(-50, "master", "w1", "w2", "w3");
    cluster(0, up("master"), up("w1"), unknown("w2"), unknown("w3"));
    List<DeadNodes.Decision> first = guardDecisions(1);
    Partitioned p = assertInstanceOf(Partitioned.class, first.get(0), first.toString());
    assertEquals(List.of("w2", "w3"), p.down());
    assertEquals(4, p.total());
    assertEquals("", p.node());
    assertTrue(p.reason().startsWith("2 of 4 nodes are down (w2, w3"), p.reason());
    assertTrue(p.reason().contains("until at most 1 of 4"), p.reason());
    assertEquals(List.of(), guardDecisions(2), "once per episode");
    Pass later = dead.pass(at(3000));
    assertEquals(List.of(), later.decisions(), "once per episode, however long");
    assertTrue(dead.guard(at(3000)).held());
    // Past the grace their pods are listed and they can be said down: detection goes on, only recovery is held.
    assertEquals(List.of("w2", "w3"), later.suspects());
    assertNotNull(dead.podsListed("w2", MYSQL, at(3000)));
  }

  @Test
  void the_partition_is_over_when_no_more_than_the_share_is_down_and_a_new_one_is_told_again() {
    leases(-50, "master", "w1", "w2", "w3");
    cluster(0, up("master"), up("w1"), unknown("w2"), unknown("w3"));
    assertInstanceOf(Partitioned.class, guardDecisions(1).get(0));
    cluster(10, up("master"), up("w1"), up("w2"), unknown("w3"));
    PartitionOver over = assertInstanceOf(PartitionOver.class, guardDecisions(11).get(0));
    assertEquals(List.of("w3"), over.down());
    assertTrue(over.reason().startsWith("1 of 4 nodes down now (w3)"), over.reason());
    assertFalse(dead.guard(at(11)).held());
    assertEquals(List.of(), guardDecisions(12));

    cluster(20, up("master"), unknown("w1"), up("w2"), unknown("w3"));
    assertInstanceOf(Partitioned.class, guardDecisions(21).get(0), "a new episode");
  }

  @Test
  void one_of_three_nodes_down_is_not_a_partition() {
    leases(-50, "master", "w1", "w2");
    cluster(0, up("master"), up("w1"), unknown("w2"));
    assertEquals(List.of(), guardDecisions(3000));
    assertEquals(new DeadNodes.Guard(true, List.of("w2"), 3, false), dead.guard(at(3000)));
  }

  @Test
  void a_node_not_ready_whose_lease_is_renewed_is_not_down_for_the_guard() {
    cluster(0, up("master"), unknown("w1"), unknown("w2"));
    leases(0, "master", "w1");
    assertEquals(List.of(), guardDecisions(10), "w1's kubelet runs: 1 of 3 down");
    assertEquals(List.of("w2"), dead.guard(at(10)).down());
    assertInstanceOf(Partitioned.class, guardDecisions(41).get(0), "w1's Lease expired too: 2 of 3");
  }

  @Test
  void the_guard_waits_for_the_first_lists_of_nodes_and_leases() {
    DeadNodes fresh = new DeadNodes(GRACE, Duration.ofMinutes(1));
    fresh.nodesListed(List.of(up("master"), unknown("w1"), unknown("w2")), at(0));
    assertEquals(List.of(), fresh.pass(at(1)).decisions(), "the Leases are not listed yet: w1 and w2 may be alive");
    assertFalse(fresh.guard(at(1)).synced());
    Map<String, LeaseView> all = new java.util.HashMap<>();
    for (String n : List.of("master", "w1", "w2")) {
      all.put(n, new LeaseView(at(0), Duration.ofSeconds(40)));
    }
    fresh.leasesListed(all);
    assertEquals(List.of(), fresh.pass(at(2)).decisions());
    assertInstanceOf(Partitioned.class, fresh.pass(at(41)).decisions().get(0));
  }

  @Test
  void the_share_is_the_configured_one() {
    DeadNodes half = new DeadNodes(GRACE, Duration.ofMinutes(1),
        dev.takeover.config.RecoveryConfig.defaults().withMaxDownShare(0.5));
    half.leasesListed(Map.of());
    half.nodesListed(List.of(up("m"), up("w1"), unknown("w2"), unknown("w3")), at(0));
    assertEquals(List.of(), half.pass(at(1)).decisions(), "2 of 4 is not more than a half");
    half.nodesListed(List.of(up("m"), unknown("w1"), unknown("w2"), unknown("w3")), at(2));
    assertInstanceOf(Partitioned.class, half.pass(at(3)).decisions().get(0));
  }

  // The end of an out-of-service taint Takeover put there.

  static NodeView marked(String node, boolean ready, String ticket) {
    return new NodeView(node, ready, ready ? null : at(0), ready ? "" : "Ready Unknown", false, ticket);
  }

  List<EndOutOfService> untaints(long at) {
    return dead.pass(at(at)).decisions().stream().filter(d -> d instanceof EndOutOfService)
        .map(d -> (EndOutOfService) d).toList();
  }

  @Test
  void a_marked_node_ready_with_its_lease_renewed_is_untainted_once() {
    dead.node(marked("w2", true, "t-7"), at(0));
    leaseRenewedAt("w2", 0);
    List<EndOutOfService> asked = untaints(1);
    assertEquals(1, asked.size());
    assertEquals("w2", asked.get(0).node());
    assertEquals("t-7", asked.get(0).ticket());
    assertTrue(asked.get(0).reason().contains("recover ticket t-7"), asked.get(0).reason());
    assertEquals(List.of(), untaints(2), "in flight: not asked twice");

    dead.outOfServiceEnded("w2", "t-7", true, at(3));
    assertEquals(List.of(), untaints(4), "removed: the watch may still show the marker for a moment");
    dead.node(new NodeView("w2", true, null, "", false), at(5));
    assertEquals(List.of(), untaints(6));

    // Recovered again later, by another ticket: a new marker is a new request.
    dead.node(marked("w2", true, "t-9"), at(100));
    leaseRenewedAt("w2", 100);
    assertEquals("t-9", untaints(101).get(0).ticket());
  }

  @Test
  void a_request_that_failed_is_made_again_on_a_later_pass() {
    dead.node(marked("w2", true, "t-7"), at(0));
    leaseRenewedAt("w2", 0);
    assertEquals(1, untaints(1).size());
    dead.outOfServiceEnded("w2", "t-7", false, at(2));
    assertEquals(List.of(), untaints(3), "not at once: the engine said why, and a loop would hammer it");
    assertEquals(1, untaints(2 + NodeGuards.UNTAINT_RETRY.toSeconds()).size());
  }

  @Test
  void a_marked_node_not_ready_is_left_tainted_and_a_ready_one_is_untainted_whatever_its_lease_says() {
    dead.node(marked("w2", false, "t-7"), at(0));
    leaseRenewedAt("w2", 0);
    assertEquals(List.of(), untaints(1), "not Ready");
    dead.node(marked("w2", true, "t-7"), at(100));
    // Ready=True is the kubelet's own recent post; its Lease's renewTime is the kubelet's clock, which may be off.
    assertEquals(1, untaints(101).size(), "Ready, its Lease last renewed 101 s ago by the kubelet's clock");
    dead.node(marked("w3", true, null), at(100));
    leaseRenewedAt("w3", 100);
    assertEquals(List.of(), untaints(103), "no marker: a taint someone else put there is theirs");
  }

}
