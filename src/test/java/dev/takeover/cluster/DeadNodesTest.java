package dev.takeover.cluster;

import dev.takeover.cluster.DeadNodes.Alive;
import dev.takeover.cluster.DeadNodes.Down;
import dev.takeover.cluster.DeadNodes.LeaseView;
import dev.takeover.cluster.DeadNodes.NodeView;
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
}
