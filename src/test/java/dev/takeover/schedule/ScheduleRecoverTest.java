package dev.takeover.schedule;

import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.Ticket.Kind;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.takeover.schedule.ScheduleSteps.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recover tickets in the scheduler: never more recoveries at once than the maintenance limit, not held by the
 * Prometheus gate, not joined to a maintenance, and a maintenance of a node under recovery waits for it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ScheduleRecoverTest {
  final MovingClock clock = new MovingClock(Instant.parse("2026-12-02T01:00:00Z"));

  @Test
  void a_second_recovery_waits_for_the_first_when_one_at_a_time_is_allowed() {
    Schedule s = new Schedule(1, clock);
    String first = runId(submit(s, ticket("REC-1", "kube-node02", Kind.RECOVER, "alice", null)));
    assertNotNull(first, "a recovery starts at once");

    List<Effect> second = submit(s, ticket("REC-2", "kube-node03", Kind.RECOVER, "bob", null));
    assertNull(runId(second));
    assertTrue(reason(second, "REC-2").contains("1 recovery(ies) in progress already (kube-node02), at most 1"),
        reason(second, "REC-2"));

    assertEquals("REC-2", s.byRun(runId(finished(s, first, "succeeded", "out-of-service"))).id());
  }

  @Test
  void two_recoveries_run_side_by_side_when_two_nodes_may_be_in_maintenance() {
    Schedule s = new Schedule(2, clock);
    assertNotNull(runId(submit(s, ticket("REC-1", "kube-node02", Kind.RECOVER, "alice", null))));
    assertNotNull(runId(submit(s, ticket("REC-2", "kube-node03", Kind.RECOVER, "bob", null))),
        "a recovery takes no plan-and-cordon turn: there is no cordon to wait for");
  }

  @Test
  void the_gate_holds_maintenance_but_not_a_recovery() {
    Schedule s = new Schedule(2, clock);
    s.gate(() -> "alert NodeDown is firing");

    List<Effect> takeover = submit(s, ticket("CHG-1", "kube-node01", Kind.TAKEOVER, "alice", null));
    assertEquals("alert NodeDown is firing", reason(takeover, "CHG-1"));

    assertNotNull(runId(submit(s, ticket("REC-1", "kube-node02", Kind.RECOVER, "bob", null))),
        "the alert firing is likely about the very node to recover");
  }

  @Test
  void a_takeover_of_a_node_under_recovery_waits_for_the_recovery_instead_of_joining_it() {
    Schedule s = new Schedule(2, clock);
    String recovery = runId(submit(s, ticket("REC-1", "kube-node02", Kind.RECOVER, "alice", null)));

    List<Effect> takeover = submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "bob", null));
    assertNull(runId(takeover));
    assertTrue(reason(takeover, "CHG-1").contains("the recovery of kube-node02 by ticket REC-1 goes first"),
        reason(takeover, "CHG-1"));

    assertEquals("CHG-1", s.byRun(runId(finished(s, recovery, "succeeded", "out-of-service"))).id());
  }

  @Test
  void a_recovery_waits_for_a_run_in_progress_on_its_node() {
    Schedule s = new Schedule(2, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));

    List<Effect> recover = submit(s, ticket("REC-1", "kube-node02", Kind.RECOVER, "bob", null));

    assertTrue(reason(recover, "REC-1").contains("run " + run + " of ticket CHG-1"), reason(recover, "REC-1"));
    assertEquals("REC-1", s.byRun(runId(finished(s, run, "failed", "schedulable"))).id());
  }

  @Test
  void the_same_automatic_recovery_submitted_after_a_restart_is_a_duplicate_not_a_second_run() {
    Schedule s = new Schedule(1, clock);
    Ticket auto = new Ticket("recover-kube-node02-1796173200", "kube-node02", Kind.RECOVER,
        Ticket.Options.defaults(), "dead-nodes", "takeover", "down", null, null);
    assertNotNull(runId(submit(s, auto)));

    List<Effect> again = new java.util.ArrayList<>();
    s.submit(auto, auto.toString(), "tickets-0@another-offset", again); // published again by a restarted daemon
    assertEquals(List.of("duplicate"), emitted(again, auto.id()));
    assertNull(runId(again));
  }
}
