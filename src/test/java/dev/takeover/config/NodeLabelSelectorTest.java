package dev.takeover.config;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubectl's -l syntax for the dead-node policies; the empty selector selects no node. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeLabelSelectorTest {
  static final Map<String, String> DB = Map.of("pool", "db", "topology.kubernetes.io/zone", "a", "fenced", "");

  @Test
  void each_form_of_requirement_matches_as_kubectl_matches_it() {
    assertTrue(NodeLabelSelector.parse("pool=db").matches(DB));
    assertTrue(NodeLabelSelector.parse("pool==db").matches(DB));
    assertFalse(NodeLabelSelector.parse("pool!=db").matches(DB));
    assertTrue(NodeLabelSelector.parse("pool!=web").matches(DB));
    assertTrue(NodeLabelSelector.parse("fenced").matches(DB), "key present, value empty");
    assertTrue(NodeLabelSelector.parse("fenced=").matches(DB), "an empty value is a value");
    assertFalse(NodeLabelSelector.parse("!fenced").matches(DB));
    assertTrue(NodeLabelSelector.parse("topology.kubernetes.io/zone in (a, b)").matches(DB));
    assertFalse(NodeLabelSelector.parse("topology.kubernetes.io/zone notin (a,b)").matches(DB));
    assertTrue(NodeLabelSelector.parse("pool=db, topology.kubernetes.io/zone in (a,b), !gpu").matches(DB),
        "commas inside the parentheses are not requirements of their own");
    assertFalse(NodeLabelSelector.parse("pool=db,gpu").matches(DB), "every requirement must hold");
  }

  @Test
  void the_empty_selector_selects_no_node() {
    assertFalse(NodeLabelSelector.parse("").matches(DB));
    assertFalse(NodeLabelSelector.parse("  ").matches(Map.of()));
    assertTrue(NodeLabelSelector.parse("").isEmpty());
  }

  @Test
  void a_selector_that_does_not_parse_says_so_in_one_line() {
    for (String bad : new String[] {"=db", "pool in (a", "pool=db,,x", "po ol=db", "pool in ()"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeLabelSelector.parse(bad), bad);
      assertTrue(e.getMessage().contains("is not a label selector"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"));
    }
  }

  @Test
  void the_policy_of_a_node_is_automatic_first_then_manual_then_the_default() {
    RecoveryConfig c = RecoveryConfig.defaults().withAutomatic(NodeLabelSelector.parse("pool=db"))
        .withManual(NodeLabelSelector.parse("topology.kubernetes.io/zone=a"));
    assertEquals(RecoveryConfig.Policy.AUTOMATIC, c.policyOf(DB));
    assertEquals(RecoveryConfig.Policy.MANUAL, c.policyOf(Map.of("topology.kubernetes.io/zone", "a")));
    assertEquals(RecoveryConfig.Policy.NOTIFY, c.policyOf(Map.of()));
  }

  @Test
  void more_than_the_share_is_a_partition_and_exactly_the_share_is_not() {
    RecoveryConfig third = RecoveryConfig.defaults();
    assertFalse(third.partitioned(1, 3), "1 of 3 is not more than 1/3");
    assertTrue(third.partitioned(2, 3));
    assertTrue(third.partitioned(2, 5));
    assertFalse(third.partitioned(0, 3));
    assertFalse(third.partitioned(1, 1000));
  }
}
