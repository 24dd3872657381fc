package dev.takeover.config;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Backoff between eviction attempts that a PodDisruptionBudget refused (HTTP 429).
 * Exponential from {@code initial}, capped at {@code max}, each delay scaled by a random factor in
 * [1 - jitter, 1 + jitter] so that many pods blocked by one PDB do not retry in lock-step.
 */
public record Backoff(Duration initial, Duration max, double jitter) {

  public Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + ", " + max);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
    }
  }

  /** 5 s, doubling, capped at 1 minute, ±20 %. */
  public static Backoff defaults() {
    return new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 0.2);
  }

  /**
   * The delay before attempt {@code attempt + 1}, given that {@code attempt} attempts (1-based) were refused.
   * A server's Retry-After, when longer, wins.
   */
  public Duration delay(int attempt, Duration retryAfter, DoubleSupplier random) {
    double base = initial.toMillis() * Math.pow(2, Math.min(attempt - 1, 30));
    double capped = Math.min(base, max.toMillis());
    double factor = 1 - jitter + 2 * jitter * random.getAsDouble();
    long millis = Math.round(capped * factor);
    if (retryAfter != null && retryAfter.toMillis() > millis) {
      millis = retryAfter.toMillis();
    }
    return Duration.ofMillis(Math.max(1, millis));
  }
}
