package dev.takeover.schedule;

import dev.takeover.engine.Outcome;
import dev.takeover.engine.RunId;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.Ticket.Kind;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run cut off from its node's Lease ({@code takeover.run.interrupted}) is not an end: the ticket stays running, is
 * resumed with the same run id after the pause, and only a run cut off again and again ends, failed, saying so.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ScheduleInterruptionTest {
  final MovingClock clock = new MovingClock(Instant.parse("2026-12-03T01:00:00Z"));
  final Ticket ticket = new Ticket("CHG-7", "kube-node02", Kind.TAKEOVER, Ticket.Options.defaults(), "kafka", "alice",
      "", null, null);
  final Schedule schedule = new Schedule(1, clock);

  final Ticket other = new Ticket("CHG-9", "kube-node01", Kind.TAKEOVER, Ticket.Options.defaults(), "kafka", "carol",
      "", null, null);
  /** Room for two nodes: CHG-9 can start while CHG-7 is interrupted. */
  final Schedule two = new Schedule(2, clock);

  String start() {
    return start(schedule);
  }

  String start(Schedule s) {
    List<Effect> out = new ArrayList<>();
    s.submit(ticket, ticket.toString(), "tickets-0@1", out);
    return out.stream().filter(Effect.Start.class::isInstance).map(e -> ((Effect.Start) e).entry().runId)
        .findFirst().orElseThrow();
  }

  List<Effect> interrupted(String run) {
    return interrupted(schedule, run);
  }

  List<Effect> interrupted(Schedule s, String run) {
    Outcome lost = new Outcome(Outcome.Status.FAILED, "cancelled (lost node kube-node02's Lease to nobody yet)", null,
        List.of(), Outcome.NodeState.UNKNOWN, Duration.ofSeconds(12));
    List<Effect> out = new ArrayList<>();
    s.onRunEvent(new EngineEvent.RunInterrupted(RunId.of(run, ticket), clock.instant(), lost).toJson(), Set.of(), out);
    return out;
  }

  List<Effect> pauseOver(String run) {
    return pauseOver(schedule, run);
  }

  List<Effect> pauseOver(Schedule s, String run) {
    List<Effect> out = new ArrayList<>();
    s.resumeInterrupted(run, out);
    return out;
  }

  /** CHG-7 starts and is interrupted before its cordon; CHG-9 starts during the pause. CHG-7's run id. */
  String otherStartedDuringThePause() {
    String run = start(two);
    interrupted(two, run);
    List<Effect> started = new ArrayList<>();
    two.submit(other, other.toString(), "tickets-0@3", started);
    assertTrue(started.stream().anyMatch(e -> e instanceof Effect.Start s && s.entry().id().equals("CHG-9")),
        "the turn was free during the pause: " + started);
    return run;
  }

  @Test
  void an_interrupted_run_stays_running_and_is_resumed_with_its_run_id_after_the_pause() {
    String run = start();

    List<Effect> out = interrupted(run);

    assertEquals("running", schedule.get("CHG-7").state.name().toLowerCase(), "not ended: " + out);
    assertTrue(out.contains(new Effect.Resume(run)), out.toString());
    assertTrue(out.stream().noneMatch(Effect.Record.class::isInstance), "nothing to record: it still runs " + out);
    List<Effect> resumed = pauseOver(run);
    assertEquals(List.of(new Effect.Start(schedule.get("CHG-7"), true)), resumed);
    assertEquals(run, schedule.get("CHG-7").runId);
  }

  @Test
  void a_run_cut_off_more_than_three_times_ends_failed_and_says_why() {
    String run = start();
    for (int i = 0; i < Schedule.MAX_INTERRUPTIONS; i++) {
      interrupted(run);
      pauseOver(run);
    }

    List<Effect> out = interrupted(run);

    TicketEntry entry = schedule.get("CHG-7");
    assertEquals("failed", entry.outcome, out.toString());
    assertTrue(entry.reason.endsWith("cut off from the node's Lease 4 times, not resumed again"), entry.reason);
    assertTrue(out.stream().noneMatch(Effect.Resume.class::isInstance), out.toString());
  }

  @Test
  void a_cancel_that_came_while_the_run_was_interrupted_is_told_to_the_resumed_run() {
    String run = start();
    interrupted(run);
    Ticket cancel = new Ticket("CHG-8", "kube-node02", Kind.CANCEL, Ticket.Options.defaults(), "kafka", "bob", "",
        null, "CHG-7");
    schedule.submit(cancel, cancel.toString(), "tickets-0@2", new ArrayList<>());

    List<Effect> resumed = pauseOver(run);

    // The engine had no run to stop when the cancel came: the resumed one stops at its first safe point instead
    // (and, past its cordon, follows the failure policy), rather than going on as if no one had asked.
    assertEquals(List.of(new Effect.Start(schedule.get("CHG-7"), true),
        new Effect.Cancel(run, "cancelled by ticket CHG-8 (bob)")), resumed);
  }

  @Test
  void a_cancel_asked_of_a_running_ticket_is_recorded_and_told_again_to_the_run_a_new_leader_resumes() {
    String run = start();
    Ticket cancel = new Ticket("CHG-8", "kube-node02", Kind.CANCEL, Ticket.Options.defaults(), "kafka", "bob", "",
        null, "CHG-7");
    List<Effect> out = new ArrayList<>();
    schedule.submit(cancel, cancel.toString(), "tickets-0@2", out);
    assertTrue(out.contains(new Effect.Record(schedule.get("CHG-7"))), "the running ticket is recorded: " + out);

    Schedule next = new Schedule(1, clock);
    next.restore(TicketEntry.fromJson(schedule.get("CHG-7").toJson(StoredTickets::toJson, clock.instant()),
        StoredTickets::fromJson));
    List<Effect> resumed = next.resume();

    assertEquals(List.of(new Effect.Start(next.get("CHG-7"), true), new Effect.Cancel(run,
        "cancelled by ticket CHG-8 (bob)")), resumed);
  }

  @Test
  void a_run_interrupted_before_its_cordon_waits_for_its_turn_if_another_run_took_it_during_the_pause() {
    String run = otherStartedDuringThePause();

    assertEquals(List.of(new Effect.Resume(run)), pauseOver(two, run),
        "CHG-9 passes plan and cordon: CHG-7 waits its turn");

    String otherRun = two.get("CHG-9").runId;
    two.onRunEvent(new EngineEvent.StepFinished(RunId.of(otherRun, other), clock.instant(), dev.takeover.engine.Step.CORDON,
        Duration.ofMillis(40), "cordoned kube-node01").toJson(), Set.of(), new ArrayList<>());
    assertEquals(List.of(new Effect.Start(two.get("CHG-7"), true)), pauseOver(two, run));
  }

  @Test
  void after_a_restart_only_one_of_two_runs_before_their_cordon_takes_the_turn_the_other_waits() {
    otherStartedDuringThePause();

    Schedule restarted = new Schedule(2, clock);
    for (String id : List.of("CHG-7", "CHG-9")) {
      restarted.restore(TicketEntry.fromJson(two.get(id).toJson(StoredTickets::toJson, clock.instant()),
          StoredTickets::fromJson));
    }
    List<Effect> resumed = restarted.resume();

    assertEquals(1, resumed.stream().filter(Effect.Start.class::isInstance).count(), resumed.toString());
    assertEquals(1, resumed.stream().filter(Effect.Resume.class::isInstance).count(), resumed.toString());
  }
}
