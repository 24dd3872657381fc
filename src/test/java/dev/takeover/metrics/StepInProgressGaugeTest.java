package dev.takeover.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code takeover_step_in_progress_seconds{step}}: what the alert on a run stuck in one step reads. Fed with the
 * engine's events as JSON, read back from the registry's Prometheus text at a moment the test chooses.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StepInProgressGaugeTest {
  static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
  final dev.takeover.schedule.MovingClock now = new dev.takeover.schedule.MovingClock(T0);
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final TakeoverMeters meters = new TakeoverMeters(registry, now);

  static JsonObject event(String type, String run, String step, Instant at) {
    JsonObject e = new JsonObject().put("schema", 1).put("type", type).put("time", at.toString()).put("run", run)
        .put("ticket", "CHG-" + run).put("node", "kube-node02").put("source", "kafka");
    return step == null ? e : e.put("step", step);
  }

  double inProgress(String step) {
    return Scrape.parse(registry.scrape()).value("takeover_step_in_progress_seconds", "step", step);
  }

  @Test
  void every_step_has_a_series_at_zero_before_any_run() {
    for (String step : new String[] {"plan", "cordon", "drain", "confirm", "uncordon", "fence", "taint"}) {
      assertEquals(0.0, inProgress(step), step);
    }
  }

  @Test
  void a_drain_going_on_for_twenty_minutes_reads_twenty_minutes_and_zero_once_it_finished() {
    meters.onEngineEvent(event("takeover.step.started", "r1", "drain", T0));
    now.set(T0.plusSeconds(1200));
    assertEquals(1200.0, inProgress("drain"));
    assertEquals(0.0, inProgress("confirm"), "no run is confirming");

    meters.onEngineEvent(event("takeover.step.finished", "r1", "drain", T0.plusSeconds(1200)).put("tookMs", 1_200_000));
    assertEquals(0.0, inProgress("drain"));
  }

  @Test
  void the_next_step_replaces_the_one_before_and_the_runs_end_closes_a_step_that_failed() {
    meters.onEngineEvent(event("takeover.step.started", "r1", "fence", T0));
    meters.onEngineEvent(event("takeover.step.started", "r1", "taint", T0.plusSeconds(30)));
    now.set(T0.plusSeconds(90));
    assertEquals(0.0, inProgress("fence"));
    assertEquals(60.0, inProgress("taint"));

    // A failed step publishes no finished event: the run's end closes it.
    meters.onEngineEvent(event("takeover.run.finished", "r1", null, T0.plusSeconds(90)).put("status", "failed")
        .put("tookMs", 90_000));
    assertEquals(0.0, inProgress("taint"));
  }

  @Test
  void with_two_runs_in_one_step_the_longest_counts() {
    meters.onEngineEvent(event("takeover.step.started", "r1", "confirm", T0));
    meters.onEngineEvent(event("takeover.step.started", "r2", "confirm", T0.plusSeconds(100)));
    now.set(T0.plusSeconds(300));
    assertEquals(300.0, inProgress("confirm"));

    meters.onEngineEvent(event("takeover.step.finished", "r1", "confirm", T0.plusSeconds(300)).put("tookMs", 300_000));
    assertEquals(200.0, inProgress("confirm"));
  }
}
