package dev.takeover.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code takeover_step_in_progress_seconds{step}}: how long the longest-running step of each kind has been going
 * now, 0 when no run is in that step. {@code takeover_step_duration_seconds} only counts steps that ended, so a step
 * that never ends (a wait that outlives its timeout, a fencing hook that hangs) would be invisible there: this gauge
 * is what an alert on "stuck in one step" reads. One series per step (a fixed set), never one per run.
 *
 * <p>Fed with the engine's events: {@code takeover.step.started} opens a step (at the event's {@code time}), the
 * next step's start, {@code takeover.step.finished} or {@code takeover.run.finished} closes it. A failed step has no
 * finished event: its run's end closes it.
 */
final class StepClock {
  private record Open(String step, Instant since) {}

  private final Clock clock;
  /** Run id → its step in progress. */
  private final Map<String, Open> open = new ConcurrentHashMap<>();

  StepClock(MeterRegistry registry, Clock clock, Set<String> steps) {
    this.clock = clock;
    for (String step : steps) {
      // Registered up front: a series that exists before the first stuck step, so an alert has something to read.
      Gauge.builder("takeover_step_in_progress_seconds", () -> longest(step))
          .description("How long the longest-running step of this kind has been going (0: no run is in it)")
          .tag("step", step).strongReference(true).register(registry);
    }
  }

  /** No run is in progress here any more (the acting parts stopped: a step-down, a stop). */
  void clear() {
    open.clear();
  }

  /** An engine event as it travels on the event bus; types other than steps and run ends change nothing. */
  void onEngineEvent(JsonObject e, String boundedStep) {
    String run = e.getString("run", "");
    switch (e.getString("type", "")) {
      case "takeover.step.started" -> open.put(run, new Open(boundedStep, instant(e.getString("time"))));
      case "takeover.step.finished", "takeover.run.finished", "takeover.run.interrupted" -> open.remove(run);
      default -> { }
    }
  }

  double longest(String step) {
    Instant now = clock.instant();
    double seconds = 0;
    for (Open o : open.values()) {
      if (o.step().equals(step)) {
        seconds = Math.max(seconds, Math.max(0, Duration.between(o.since(), now).toMillis() / 1000.0));
      }
    }
    return seconds;
  }

  /** A start without a readable time counts from now: the gauge may be late, never early. */
  private Instant instant(String s) {
    try {
      return s == null ? clock.instant() : Instant.parse(s);
    } catch (DateTimeParseException ex) {
      return clock.instant();
    }
  }
}
