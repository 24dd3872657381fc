package dev.takeover.sim.controllers;

import java.time.Duration;
import java.time.Instant;

/**
 * When a controller that runs on a period (wait.Until in kube-controller-manager: pod GC, the node lifecycle's
 * monitorNodeHealth) looks: at its start, then every period. It sees a change only on its first look at or after
 * the change, not at once as an event-driven controller does. wait.Until's period is sliding: it counts from the end
 * of a run, so a run that did work (and ran late, on a busy simulator) starts the count again ({@link #ranUntil}).
 */
final class Ticks {
  private final Duration period;
  private Instant origin;

  Ticks(Duration period) {
    this.period = period;
  }

  /** A run ended at {@code end}: the next is a period later. */
  void ranUntil(Instant end) {
    origin = end;
  }

  /** The first look at or after {@code t}; the first call fixes the start of the looks at {@code now}. */
  Instant lookAtOrAfter(Instant t, Instant now) {
    if (origin == null) {
      origin = now;
    }
    if (!t.isAfter(origin) || period.isZero()) {
      return t.isAfter(origin) ? t : origin;
    }
    long periodNanos = period.toNanos();
    long since = Duration.between(origin, t).toNanos();
    long looks = (since + periodNanos - 1) / periodNanos;
    return origin.plusNanos(looks * periodNanos);
  }
}
