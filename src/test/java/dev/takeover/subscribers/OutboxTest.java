package dev.takeover.subscribers;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher's queue: one lane per ticket, in order, one event of a lane in flight; bounded, progress dropped first. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OutboxTest {

  @Test
  void a_ticket_s_events_go_one_at_a_time_in_order_while_other_tickets_go_alongside() {
    Outbox box = new Outbox(10);
    box.add("a", "accepted", value("a1"));
    box.add("a", "started", value("a2"));
    box.add("b", "accepted", value("b1"));

    List<Outbox.Entry> first = box.takeReady();
    assertEquals(List.of("a1", "b1"), texts(first));
    assertEquals(List.of(), box.takeReady(), "nothing more while each lane has one in flight");

    box.done(first.get(0));
    assertEquals(List.of("a2"), texts(box.takeReady()));
    assertEquals(3 - 1, box.size());
  }

  @Test
  void a_failed_send_stays_at_the_head_of_its_lane_and_goes_again_with_the_same_bytes() {
    Outbox box = new Outbox(10);
    box.add("a", "accepted", value("a1"));
    box.add("a", "started", value("a2"));
    Outbox.Entry sent = box.takeReady().get(0);

    box.retryLater(sent);

    Outbox.Entry again = box.takeReady().get(0);
    assertSame(sent, again);
    assertArrayEquals(value("a1"), again.value(), "the same CloudEvent, the same id");
    box.done(again);
    box.done(box.takeReady().get(0));
    assertTrue(box.isEmpty() && box.nothingInFlight());
  }

  @Test
  void when_full_the_oldest_step_or_pod_event_makes_room_before_any_other_and_never_one_in_flight() {
    Outbox box = new Outbox(4);
    box.add("a", "step", value("a-step-in-flight"));
    box.takeReady();
    box.add("a", "completed", value("a-completed"));
    box.add("b", "accepted", value("b-accepted"));
    box.add("b", "pod", value("b-pod"));

    Outbox.Entry dropped = box.add("c", "accepted", value("c-accepted"));
    assertEquals("b-pod", text(dropped));

    // No progress left to drop but the one in flight: the oldest of any other type goes.
    assertEquals("a-completed", text(box.add("c", "completed", value("c-completed"))));
    assertEquals(4, box.size());
    assertTrue(box.hasEvents("b"), "b-accepted is still queued");

    Outbox small = new Outbox(1);
    small.add("x", "step", value("x-step"));
    small.add("y", "accepted", value("y-accepted"));
    assertFalse(small.hasEvents("x"), "a ticket whose only event was dropped has none queued");
  }

  @Test
  void when_every_queued_event_is_in_flight_the_new_one_is_the_one_dropped() {
    Outbox box = new Outbox(1);
    box.add("a", "step", value("a1"));
    box.takeReady();

    Outbox.Entry dropped = box.add("b", "accepted", value("b1"));

    assertEquals("b1", text(dropped));
    assertEquals(1, box.size());
    assertEquals(List.of(), box.takeReady(), "b has no lane");
  }

  @Test
  void an_event_that_fits_drops_nothing_and_a_queue_without_room_is_refused() {
    assertNull(new Outbox(1).add("a", "accepted", value("a1")));
    assertThrows(IllegalArgumentException.class, () -> new Outbox(0));
  }

  private static byte[] value(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Outbox.Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }

  private static List<String> texts(List<Outbox.Entry> entries) {
    return entries.stream().map(OutboxTest::text).toList();
  }
}
