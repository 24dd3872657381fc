package dev.takeover.config;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BackoffTest {
  private final Backoff backoff = Backoff.defaults();

  @Test
  void the_first_retry_waits_five_seconds_without_jitter_at_the_midpoint() {
    assertEquals(Duration.ofSeconds(5), backoff.delay(1, null, () -> 0.5));
  }

  @Test
  void delays_double_and_stop_at_the_cap() {
    assertEquals(Duration.ofSeconds(10), backoff.delay(2, null, () -> 0.5));
    assertEquals(Duration.ofSeconds(40), backoff.delay(4, null, () -> 0.5));
    assertEquals(Duration.ofMinutes(1), backoff.delay(5, null, () -> 0.5));
    assertEquals(Duration.ofMinutes(1), backoff.delay(500, null, () -> 0.5));
  }

  @Test
  void jitter_spreads_retries_by_twenty_percent_either_way() {
    assertEquals(Duration.ofSeconds(4), backoff.delay(1, null, () -> 0.0));
    assertTrue(backoff.delay(1, null, () -> 0.999).toMillis() > 5900);
  }

  @Test
  void a_longer_retry_after_from_the_server_wins() {
    assertEquals(Duration.ofSeconds(30), backoff.delay(1, Duration.ofSeconds(30), () -> 0.5));
    assertEquals(Duration.ofSeconds(5), backoff.delay(1, Duration.ofSeconds(1), () -> 0.5));
  }

  @Test
  void nonsense_settings_are_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.1));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.1));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0));
  }
}
