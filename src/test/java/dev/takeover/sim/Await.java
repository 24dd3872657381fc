package dev.takeover.sim;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling: for conditions that cannot be watched, never for plain waiting. */
public final class Await {
  private Await() {}

  /** Polls {@code condition} every 20 ms for at most {@code bound}; fails naming what was awaited. */
  public static void await(Duration bound, BooleanSupplier condition) {
    until(bound, Duration.ofMillis(20), condition, () -> "condition");
  }

  public static void await(String what, Duration bound, BooleanSupplier condition) {
    until(bound, Duration.ofMillis(20), condition, () -> what);
  }

  static void until(Duration bound, Duration interval, BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + bound + ": " + what.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(interval.toMillis()));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while awaiting " + what.get());
      }
    }
  }
}
