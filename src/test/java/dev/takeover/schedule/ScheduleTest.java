package dev.takeover.schedule;

import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.Ticket.Kind;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.takeover.schedule.ScheduleSteps.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler's decisions without a daemon: what each input leads to, as the effects the verticle carries out.
 * The clock is moved by hand, so windows are tested in no time.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ScheduleTest {
  final MovingClock clock = new MovingClock(Instant.parse("2026-12-02T01:00:00Z"));

  @Test
  void a_ticket_cancelled_before_its_window_never_starts() {
    Schedule s = new Schedule(1, clock);
    submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", window(60)));
    List<Effect> cancel = submit(s, cancel("CHG-2", "CHG-1"));

    assertEquals(List.of("cancelled"), emitted(cancel, "CHG-1"));
    assertEquals(List.of("accepted", "completed"), emitted(cancel, "CHG-2"));
    clock.advance(Duration.ofSeconds(61));
    List<Effect> later = evaluate(s);
    assertTrue(later.stream().noneMatch(Effect.Start.class::isInstance), later.toString());
  }

  @Test
  void a_cancel_during_a_run_asks_the_engine_to_stop_at_a_safe_point() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    List<Effect> cancel = submit(s, cancel("CHG-2", "CHG-1"));

    assertTrue(cancel.contains(new Effect.Cancel(run, "cancelled by ticket CHG-2")), cancel.toString());
    List<Effect> end = finished(s, run, "cancelled", "schedulable");
    assertEquals(List.of("cancelled"), emitted(end, "CHG-1"));
  }

  @Test
  void a_second_requester_joins_the_run_and_its_hold_is_undone_when_it_is_cancelled() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    List<Effect> join = submit(s, ticket("CHG-2", "kube-node02", Kind.DRAIN, "bob", null));
    assertEquals(List.of("accepted", "joined"), emitted(join, "CHG-2"));
    assertTrue(join.contains(new Effect.Hold(run, true)), join.toString());

    List<Effect> cancel = submit(s, cancel("CHG-3", "CHG-2"));

    assertEquals(List.of("cancelled"), emitted(cancel, "CHG-2"));
    assertTrue(cancel.contains(new Effect.Hold(run, false)), "nobody holds the node any more: " + cancel);
  }

  @Test
  void a_cancelled_requester_leaves_the_hold_in_place_while_another_still_holds() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    submit(s, ticket("CHG-2", "kube-node02", Kind.DRAIN, "bob", null));
    submit(s, ticket("CHG-3", "kube-node02", Kind.DRAIN, "carol", null));

    List<Effect> cancel = submit(s, cancel("CHG-4", "CHG-2"));

    assertFalse(cancel.contains(new Effect.Hold(run, false)), cancel.toString());
  }

  @Test
  void every_requester_hears_the_run_and_the_node_is_released_by_the_last_holder() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.DRAIN, "alice", null)));
    submit(s, ticket("CHG-2", "kube-node02", Kind.DRAIN, "bob", null));
    List<Effect> step = new ArrayList<>();
    s.onRunEvent(new JsonObject().put("type", "takeover.step.started").put("run", run).put("step", "drain"), Set.of(), step);
    assertEquals(List.of("step"), emitted(step, "CHG-1"));
    assertEquals(List.of("step"), emitted(step, "CHG-2"));
    List<Effect> end = finished(s, run, "succeeded", "cordoned");
    assertEquals(List.of("completed"), emitted(end, "CHG-1"));
    assertEquals(List.of("completed"), emitted(end, "CHG-2"));
    assertTrue(last(end, "CHG-1").getBoolean("held", false), "drained and held: " + last(end, "CHG-1"));

    List<Effect> first = submit(s, ticket("CHG-5", "kube-node02", Kind.RELEASE, "alice", null));
    assertTrue(first.stream().noneMatch(Effect.Start.class::isInstance), "bob still holds it: " + first);
    assertTrue(reason(first, "CHG-5").contains("still held by CHG-2 (bob)"), reason(first, "CHG-5"));

    List<Effect> last = submit(s, ticket("CHG-6", "kube-node02", Kind.RELEASE, "bob", null));
    assertEquals(List.of("completed"), emitted(last, "CHG-2"));
    assertEquals("CHG-6", last(last, "CHG-2").getString("releasedBy"), "the hold is over: " + last(last, "CHG-2"));
    assertTrue(last(last, "CHG-2").getBoolean("released", false));
    assertNotNull(runId(last), "the last release uncordons: " + last);
  }

  @Test
  void a_takeover_on_a_held_node_joins_the_hold_and_ends_at_once() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.DRAIN, "alice", null)));
    finished(s, run, "succeeded", "cordoned");

    List<Effect> late = submit(s, ticket("CHG-2", "kube-node02", Kind.TAKEOVER, "bob", null));

    assertEquals(List.of("accepted", "joined", "completed"), emitted(late, "CHG-2"));
    assertTrue(late.stream().noneMatch(Effect.Start.class::isInstance), late.toString());
  }

  @Test
  void when_the_run_it_joined_is_cancelled_a_requester_waits_for_a_run_of_its_own() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    submit(s, ticket("CHG-2", "kube-node02", Kind.DRAIN, "bob", null));
    submit(s, cancel("CHG-3", "CHG-1"));

    List<Effect> end = finished(s, run, "cancelled", "schedulable");

    assertEquals(List.of("cancelled"), emitted(end, "CHG-1"));
    assertEquals(List.of("scheduled"), emitted(end, "CHG-2"));
    String own = runId(end);
    assertNotNull(own, "bob's drain starts a run of its own: " + end);
    assertFalse(own.equals(run));
  }

  @Test
  void a_second_node_waits_for_the_limit_with_the_reason_and_starts_when_the_first_ends() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    cordonDone(s, run);

    List<Effect> second = submit(s, ticket("CHG-2", "kube-node01", Kind.TAKEOVER, "bob", null));
    assertEquals(List.of("accepted", "scheduled"), emitted(second, "CHG-2"));
    assertTrue(reason(second, "CHG-2").contains("at most 1 at once"), reason(second, "CHG-2"));
    assertTrue(evaluate(s).isEmpty(), "the reason is told once");

    List<Effect> end = finished(s, run, "succeeded", "schedulable");
    assertNotNull(runId(end), "the second starts once the first ended: " + end);
  }

  @Test
  void plan_and_cordon_pass_one_run_at_a_time_even_below_the_limit() {
    Schedule s = new Schedule(2, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));

    List<Effect> second = submit(s, ticket("CHG-2", "kube-node01", Kind.TAKEOVER, "bob", null));
    assertTrue(reason(second, "CHG-2").startsWith("plan and cordon go one run at a time"), reason(second, "CHG-2"));

    assertNotNull(runId(cordonDone(s, run)), "the second starts once the first has cordoned");
  }

  @Test
  void tickets_of_one_node_run_in_the_order_they_were_accepted() {
    Schedule s = new Schedule(1, clock);
    submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", window(10)));
    List<Effect> plan = submit(s, ticket("CHG-2", "kube-node02", Kind.PLAN, "bob", null));
    assertTrue(reason(plan, "CHG-2").contains("an earlier ticket for kube-node02 goes first"), reason(plan, "CHG-2"));

    clock.advance(Duration.ofSeconds(10));
    List<Effect> opened = evaluate(s);
    String run = runId(opened);
    assertEquals("CHG-1", s.byRun(run).id());
    assertEquals(1, opened.stream().filter(Effect.Start.class::isInstance).count(), opened.toString());

    List<Effect> end = finished(s, run, "succeeded", "schedulable");
    assertEquals("CHG-2", s.byRun(runId(end)).id());
  }

  @Test
  void a_plan_waits_for_the_run_in_progress_on_its_node() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));

    List<Effect> plan = submit(s, ticket("CHG-2", "kube-node02", Kind.PLAN, "bob", null));

    assertNull(runId(plan), "the engine would refuse a plan beside the run: " + plan);
    assertTrue(reason(plan, "CHG-2").contains("run " + run + " of ticket CHG-1"), reason(plan, "CHG-2"));
    assertEquals("CHG-2", s.byRun(runId(finished(s, run, "succeeded", "schedulable"))).id());
  }

  @Test
  void a_ticket_that_cannot_start_before_its_window_ends_expires() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    cordonDone(s, run);
    submit(s, ticket("CHG-2", "kube-node01", Kind.TAKEOVER, "bob",
        new Ticket.Window(null, clock.instant().plusSeconds(5))));

    clock.advance(Duration.ofSeconds(5));
    List<Effect> later = evaluate(s);

    assertEquals(List.of("expired"), emitted(later, "CHG-2"));
    assertTrue(reason(later, "CHG-2").contains("at most 1 at once"), "says what it waited for: " + reason(later, "CHG-2"));
  }

  @Test
  void a_restored_run_resumes_with_its_run_id_and_a_joined_holder_holds_again() {
    Schedule before = new Schedule(1, clock);
    String run = runId(submit(before, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    submit(before, ticket("CHG-2", "kube-node02", Kind.DRAIN, "bob", null));
    submit(before, ticket("CHG-3", "kube-node01", Kind.TAKEOVER, "carol", window(60)));

    Schedule after = new Schedule(1, clock);
    for (String id : List.of("CHG-1", "CHG-2", "CHG-3")) {
      after.restore(TicketEntry.fromJson(before.get(id).toJson(StoredTickets::toJson, clock.instant()),
          StoredTickets::fromJson));
    }
    List<Effect> resumed = after.resume();

    assertEquals(List.of(new Effect.Start(after.get("CHG-1"), true), new Effect.Hold(run, true)), resumed);
    assertEquals(run, after.get("CHG-1").runId);
    assertTrue(evaluate(after).stream().noneMatch(Effect.Start.class::isInstance), "the window is still ahead");
  }

  // --- helpers ---

  private Ticket.Window window(int startInSeconds) {
    return new Ticket.Window(clock.instant().plusSeconds(startInSeconds), null);
  }

  @Test
  void an_ended_ticket_is_forgotten_after_the_retention_and_one_that_holds_its_node_is_not() {
    Schedule s = new Schedule(1, clock);
    String run = runId(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)));
    submit(s, ticket("CHG-2", "kube-node01", Kind.DRAIN, "bob", null));
    cordonDone(s, run);
    String held = runId(finished(s, run, "succeeded", "schedulable"));
    cordonDone(s, held);
    finished(s, held, "succeeded", "cordoned");
    assertEquals(List.of(), emitted(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)), "CHG-1"),
        "remembered: the same record again is a redelivery");

    clock.advance(Duration.ofDays(30));
    assertEquals(List.of(), s.forget(clock.instant().minus(Duration.ofDays(31))), "not yet");
    assertEquals(List.of("CHG-1"), s.forget(clock.instant().minus(Duration.ofDays(29))),
        "the ended ticket goes; the one holding its node stays, however old");
    assertNull(s.get("CHG-1"));
    assertNotNull(s.get("CHG-2"));
    assertEquals("accepted", emitted(submit(s, ticket("CHG-1", "kube-node02", Kind.TAKEOVER, "alice", null)),
        "CHG-1").get(0), "forgotten: the same id is a new ticket");
  }
}
