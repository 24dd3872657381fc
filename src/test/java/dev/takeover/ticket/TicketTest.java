package dev.takeover.ticket;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TicketTest {

  @Test
  void each_new_ticket_gets_its_own_id() {
    Ticket a = Ticket.takeover("kube-node02", null, "cli", "alice", "");
    Ticket b = Ticket.takeover("kube-node02", null, "cli", "alice", "");
    assertNotEquals(a.id(), b.id());
    assertEquals(Ticket.Options.defaults(), a.options());
  }

  @Test
  void a_ticket_without_a_valid_node_is_rejected_with_a_reason() {
    assertEquals("the ticket names no node",
        assertThrows(TicketRejected.class, () -> Ticket.takeover(" ", null, "kafka", "", "")).getMessage());
    assertThrows(TicketRejected.class, () -> Ticket.takeover("node_2", null, "kafka", "", ""));
    assertThrows(TicketRejected.class, () -> Ticket.takeover("a".repeat(254), null, "kafka", "", ""));
  }

  @Test
  void a_negative_timeout_is_rejected() {
    Ticket.Options o = new Ticket.Options(false, false, false, false, false, false, Duration.ofSeconds(-1), null);
    assertThrows(TicketRejected.class, () -> Ticket.takeover("n1", o, "http", "", ""));
  }

  @Test
  void a_missing_source_is_named_unknown_rather_than_crashing() {
    assertEquals("unknown", new Ticket("t-1", "n1", Ticket.Kind.TAKEOVER, null, null, null, null).source());
  }
}
