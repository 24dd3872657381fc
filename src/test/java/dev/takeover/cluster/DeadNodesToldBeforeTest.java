package dev.takeover.cluster;

import dev.takeover.cluster.DeadNodes.Down;
import dev.takeover.cluster.NodeViews.LeaseView;
import dev.takeover.cluster.NodeViews.NodeView;
import dev.takeover.cluster.DeadNodes.Recovered;
import dev.takeover.cluster.DeadNodes.StillDown;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new leader (a failover, a rolling update, a restart) learns from the state topic which down periods were told:
 * it tells none of them again, tells the end of one that ended while no replica watched, and tells a new down period
 * of the same node as new.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodesToldBeforeTest {
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  static final Duration GRACE = Duration.ofMinutes(5);

  final DeadNodes dead = new DeadNodes(GRACE, Duration.ofMinutes(1));
  final Down told = new Down("w2", at(0), at(-5), "Ready Unknown (NodeStatusUnknown) since …",
      List.of("default/mysql-0"));

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static NodeView down(String node, long since) {
    return new NodeView(node, false, at(since), "Ready Unknown (NodeStatusUnknown)", false);
  }

  /** The cluster lists these beside three nodes that run (so that one down is no partition). */
  void listed(long at, NodeView... nodes) {
    List<NodeView> all = new java.util.ArrayList<>(List.of(nodes));
    Map<String, LeaseView> leases = new java.util.HashMap<>(Map.of("w2", new LeaseView(at(-5), Duration.ofSeconds(40))));
    for (String up : List.of("m", "w1", "w4")) {
      all.add(new NodeView(up, true, null, "", false));
      leases.put(up, new LeaseView(at(at), Duration.ofSeconds(40)));
    }
    dead.nodesListed(all, at(at));
    dead.leasesListed(leases);
  }

  @Test
  void nothing_is_said_down_until_it_is_known_what_was_told_before() {
    listed(3600, down("w2", 0));
    DeadNodes.Pass before = dead.pass(at(3601));
    assertEquals(List.of(), before.suspects(), "w2 may have been told down already");
    assertEquals(List.of(), before.decisions());

    dead.toldBefore(Map.of());
    assertEquals(List.of("w2"), dead.pass(at(3602)).suspects(), "nothing was: w2 is a suspect now");
  }

  @Test
  void a_down_period_told_before_and_still_going_on_is_still_down_not_down_again() {
    dead.toldBefore(Map.of("w2", told));
    listed(3600, down("w2", 0));
    DeadNodes.Pass pass = dead.pass(at(3601));

    assertEquals(List.of(), pass.suspects(), "not listed again: it was told");
    assertEquals(List.of(new StillDown(told)), pass.decisions());
    assertEquals(java.util.Set.of("w2"), dead.downNodes());
    assertEquals(List.of(), dead.pass(at(3700)).decisions(), "once");

    dead.node(new NodeView("w2", true, null, "", false), at(3800));
    Recovered back = (Recovered) dead.pass(at(3801)).decisions().get(0);
    assertEquals(List.of("default/mysql-0"), back.pods());
    assertTrue(back.reason().startsWith("Ready again after 3801 s"), back.reason());
  }

  @Test
  void a_node_that_came_back_meanwhile_is_recovered_and_one_removed_meanwhile_too() {
    dead.toldBefore(Map.of("w2", told, "w3", new Down("w3", at(0), null, "…", List.of("db/pg-0"))));
    listed(3600, new NodeView("w2", true, null, "", false));
    List<DeadNodes.Decision> decisions = dead.pass(at(3601)).decisions();

    assertEquals(2, decisions.size(), decisions.toString());
    Recovered w2 = (Recovered) decisions.get(0);
    assertEquals("w2", w2.node());
    assertTrue(w2.reason().contains("came back while no replica watched it"), w2.reason());
    Recovered w3 = (Recovered) decisions.get(1);
    assertTrue(w3.reason().contains("removed from the cluster"), w3.reason());
    assertEquals(List.of("db/pg-0"), w3.pods());
    assertEquals(java.util.Set.of(), dead.downNodes());
  }

  @Test
  void a_node_down_again_since_is_the_end_of_the_told_period_and_a_new_one_to_tell() {
    dead.toldBefore(Map.of("w2", told));
    listed(3600, down("w2", 3500)); // Ready in between, not Ready again since 3500
    DeadNodes.Pass pass = dead.pass(at(3601));

    Recovered old = (Recovered) pass.decisions().get(0);
    assertEquals(at(0), old.notReadySince());
    assertTrue(old.reason().contains("a down period of its own"), old.reason());
    assertEquals(List.of(), pass.suspects(), "the new period is within its grace");
    assertEquals(List.of("w2"), dead.pass(at(3801)).suspects(), "past the new period's grace: to be told down");
    Down again = dead.podsListed("w2", List.of("default/mysql-0"), at(3802));
    assertEquals(at(3500), again.notReadySince());
  }

  @Test
  void after_a_failover_the_renewal_that_was_told_is_no_sign_of_life_whatever_the_kubelet_clock_wrote() {
    // Its kubelet's clock ran 20 min ahead: the last renewal it wrote (at 1200) is still "in the future" when the
    // next leader first lists it, at 200; as a first sight it would hold until 240.
    Down ahead = new Down("w2", at(0), at(1200), "…", List.of("default/mysql-0"));
    dead.toldBefore(Map.of("w2", ahead));
    List<NodeView> all = new java.util.ArrayList<>(List.of(down("w2", 0)));
    Map<String, LeaseView> leases = new java.util.HashMap<>(Map.of("w2",
        new LeaseView(at(1200), Duration.ofSeconds(40), at(200))));
    for (String up : List.of("m", "w1", "w4")) {
      all.add(new NodeView(up, true, null, "", false));
      leases.put(up, new LeaseView(at(200), Duration.ofSeconds(40), at(200)));
    }
    dead.nodesListed(all, at(200));
    dead.leasesListed(leases);

    assertEquals(List.of(new StillDown(ahead)), dead.pass(at(201)).decisions());
    assertEquals(List.of(), dead.pass(at(202)).decisions(), "not recovered: no renewal since the one told");
  }

  @Test
  void what_was_told_is_judged_only_once_the_nodes_and_leases_are_listed() {
    dead.toldBefore(Map.of("w2", told));
    assertEquals(List.of(), dead.pass(at(1)).decisions(), "no node list yet: not 'removed from the cluster'");
    listed(100, down("w2", 0)); // its Lease, last renewed at -5, expired at 35
    assertInstanceOf(StillDown.class, dead.pass(at(101)).decisions().get(0));
    assertNull(dead.podsListed("w2", List.of("default/mysql-0"), at(400)), "told before: not down again");
  }
}
