package dev.takeover.config;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineConfigTest {

  @Test
  void node_leases_last_fifteen_seconds_unless_a_test_shortens_them() {
    assertEquals(Duration.ofSeconds(15), EngineConfig.defaults().nodeLease());
    assertEquals(Duration.ofSeconds(4), EngineConfig.defaults().withNodeLease(Duration.ofSeconds(4)).nodeLease());
    // Every other with... keeps it.
    assertEquals(Duration.ofSeconds(4), EngineConfig.defaults().withNodeLease(Duration.ofSeconds(4))
        .withDrainTimeout(Duration.ofSeconds(60)).withRelistPeriod(Duration.ofSeconds(1)).nodeLease());
  }

  @Test
  void a_node_lease_is_whole_seconds_as_the_lease_declares_it() {
    // leaseDurationSeconds is an integer: 2.5 s would be declared as 2, and another process would wait too little.
    assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults().withNodeLease(Duration.ofMillis(2500)));
    assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults().withNodeLease(Duration.ofMillis(500)));
    assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults().withNodeLease(Duration.ZERO));
  }
}
