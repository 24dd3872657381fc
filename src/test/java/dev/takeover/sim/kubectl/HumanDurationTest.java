package dev.takeover.sim.kubectl;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HumanDurationTest {

  @ParameterizedTest(name = "{0} s is {1}")
  @CsvSource({
      "-3, <invalid>", "-1, 0s", "0, 0s", "31, 31s", "119, 119s", "120, 2m", "333, 5m33s", "600, 10m",
      "10799, 179m", "10800, 3h", "11520, 3h12m", "28800, 8h", "172799, 47h", "172800, 2d", "370800, 4d7h",
      "691200, 8d", "63072000, 2y", "64368000, 2y15d", "252288000, 8y"})
  void ages_have_two_or_three_significant_figures_as_the_api_server_writes_them(long seconds, String expected) {
    assertEquals(expected, HumanDuration.of(Duration.ofSeconds(seconds)));
  }

  @Test
  void an_object_without_a_creation_timestamp_is_of_unknown_age() {
    assertEquals("<unknown>", HumanDuration.since(null, Instant.EPOCH));
  }

  @Test
  void a_second_and_a_half_in_the_future_still_counts_as_now() {
    assertEquals("0s", HumanDuration.of(Duration.ofMillis(-1500)));
  }
}
