package dev.takeover.scenarios;

import dev.takeover.engine.Outcome;
import dev.takeover.ticket.Ticket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica stepping down halts its engine; a scheduler still deploying or stopping there may yet ask for a run. The
 * engine starts none: nothing is written on the node and nothing is told (neither started nor ended), so the ticket
 * stays running in the state topic and the next leader starts it.
 */
class HaltedEngineTest extends ScenarioBase {

  @Test
  void a_halted_engine_starts_no_run_and_tells_nothing_of_it() throws Exception {
    String node = scene.workers().get(0);
    try (EngineHarness h = new EngineHarness(cluster)) {
      h.engine.halt("this replica no longer leads", Duration.ofSeconds(5)).await(10, TimeUnit.SECONDS);

      Ticket ticket = Ticket.takeover(node, null, "alice", "scenario", "after the halt");
      Outcome out = EngineHarness.await(h.engine.submit(ticket), Duration.ofSeconds(30));

      assertEquals(Outcome.Status.REFUSED, out.status(), out.reason());
      assertTrue(out.reason().startsWith("not started: this replica no longer leads"), out.reason());
      assertTrue(h.events.stream().noneMatch(e -> ticket.id().equals(e.getString("ticket"))), h.events.toString());
      assertNotEquals(Boolean.TRUE, scene.node(node).getSpec().getUnschedulable());
    }
  }
}
