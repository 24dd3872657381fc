package dev.takeover.schedule;

import dev.takeover.engine.EvictedEarlier;
import dev.takeover.engine.RunId;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.plan.Action;
import dev.takeover.engine.plan.ClaimBinding;
import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlannedPod;
import dev.takeover.engine.plan.PodRef;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run cut off by a restart after it evicted StatefulSet pods: the schedule records, from the run's own engine
 * events, which planned StatefulSet pods were evicted (with their claims and volumes), keeps them through the state
 * topic's JSON, and hands them back with the resumed run, so that it confirms them although its plan cannot see them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ScheduleResumeTest {
  final MovingClock clock = new MovingClock(Instant.parse("2026-12-02T01:00:00Z"));
  final Ticket ticket = new Ticket("CHG-1", "kube-node02", Kind.TAKEOVER, Ticket.Options.defaults(), "kafka", "alice",
      "", null, null);
  final PodRef mysql = new PodRef("default", "mysql-0", "uid-mysql");
  final PodRef pinned = new PodRef("default", "local-0", "uid-local");
  final PodRef web = new PodRef("default", "web-1", "uid-web");

  @Test
  void the_statefulset_pods_evicted_before_a_restart_survive_the_state_round_trip_and_come_back_with_the_resumed_run() {
    Schedule before = new Schedule(1, clock);
    String run = start(before);
    RunId id = RunId.of(run, ticket);
    event(before, new EngineEvent.PlanReady(id, clock.instant(), plan()));
    List<Effect> evicted = event(before, new EngineEvent.PodEvicted(id, clock.instant(), mysql, "evicted", 1,
        Duration.ofMillis(5)));
    assertTrue(evicted.contains(new Effect.Record(before.get("CHG-1"))), "recorded at once: " + evicted);
    clock.advance(Duration.ofSeconds(1));
    event(before, new EngineEvent.PodEvicted(id, clock.instant(), web, "evicted", 1, Duration.ofMillis(5)));
    event(before, new EngineEvent.PodEvicted(id, clock.instant(), pinned, "evicted", 1, Duration.ofMillis(5)));
    // The same pod told twice, and another pod of the same name (a new uid): neither adds anything.
    event(before, new EngineEvent.PodEvicted(id, clock.instant(), mysql, "already-gone", 2, Duration.ofMillis(5)));
    event(before, new EngineEvent.PodEvicted(id, clock.instant(), new PodRef("default", "mysql-0", "uid-new"),
        "evicted", 1, Duration.ofMillis(5)));

    Schedule after = new Schedule(1, clock);
    after.restore(TicketEntry.fromJson(before.get("CHG-1").toJson(StoredTickets::toJson, clock.instant()),
        StoredTickets::fromJson));
    List<Effect> resumed = after.resume();

    TicketEntry entry = ((Effect.Start) resumed.get(0)).entry();
    assertEquals(run, entry.runId);
    assertEquals(List.of(new EvictedEarlier(mysql, "kube-node02", List.of(new ClaimBinding("data-mysql-0", "pv1")),
        Instant.parse("2026-12-02T01:00:00Z"))), entry.evicted,
        "only the StatefulSet pod the confirm step waits for, once, with its claims and when it was evicted");
  }

  @Test
  void a_state_record_written_before_evictions_were_recorded_reads_as_none() {
    Schedule before = new Schedule(1, clock);
    start(before);
    JsonObject old = before.get("CHG-1").toJson(StoredTickets::toJson, clock.instant());
    old.remove("evicted");

    TicketEntry restored = TicketEntry.fromJson(old, StoredTickets::fromJson);

    assertEquals(List.of(), restored.evicted);
  }

  /** mysql-0 to confirm, local-0 a StatefulSet pod whose volume only this node reaches, web-1 a ReplicaSet pod. */
  private Plan plan() {
    return new Plan("kube-node02", List.of(
        new PlannedPod(pinned, Action.EVICT, "", "StatefulSet", "local", List.of(new ClaimBinding("data-local-0", "pv9")),
            30, null),
        new PlannedPod(mysql, Action.EVICT, "", "StatefulSet", "mysql", List.of(new ClaimBinding("data-mysql-0", "pv1")),
            30, null),
        new PlannedPod(web, Action.EVICT, "", "ReplicaSet", "web-abc", List.of(), 30, null)),
        List.of(), List.of(), Set.of(pinned.key()));
  }

  private String start(Schedule s) {
    List<Effect> out = new ArrayList<>();
    s.submit(ticket, ticket.toString(), "tickets-0@1", out);
    return out.stream().filter(Effect.Start.class::isInstance).map(e -> ((Effect.Start) e).entry().runId)
        .findFirst().orElseThrow();
  }

  private static List<Effect> event(Schedule s, EngineEvent e) {
    List<Effect> out = new ArrayList<>();
    s.onRunEvent(e.toJson(), Set.of(), out);
    return out;
  }
}
