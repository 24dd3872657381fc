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

  String start() {
    List<Effect> out = new ArrayList<>();
    schedule.submit(ticket, ticket.toString(), "tickets-0@1", out);
    return out.stream().filter(Effect.Start.class::isInstance).map(e -> ((Effect.Start) e).entry().runId)
        .findFirst().orElseThrow();
  }

  List<Effect> interrupted(String run) {
    Outcome lost = new Outcome(Outcome.Status.FAILED, "cancelled (lost node kube-node02's Lease to nobody yet)", null,
        List.of(), Outcome.NodeState.UNKNOWN, Duration.ofSeconds(12));
    List<Effect> out = new ArrayList<>();
    schedule.onRunEvent(new EngineEvent.RunInterrupted(RunId.of(run, ticket), clock.instant(), lost).toJson(), Set.of(),
        out);
    return out;
  }

  List<Effect> pauseOver(String run) {
    List<Effect> out = new ArrayList<>();
    schedule.resumeInterrupted(run, out);
    return out;
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
}
