package dev.takeover.sim.kubectl;

import java.time.Duration;
import java.time.Instant;

/**
 * The API server's age notation ({@code k8s.io/apimachinery/pkg/util/duration.HumanDuration}): two or three
 * significant figures, e.g. {@code 45s}, {@code 5m33s}, {@code 3h12m}, {@code 4d7h}, {@code 2y15d}.
 */
final class HumanDuration {
  private HumanDuration() {
  }

  /** The age of {@code timestamp} (RFC 3339) at {@code now}, or {@code <unknown>} when there is none. */
  static String since(String timestamp, Instant now) {
    if (timestamp == null || timestamp.isEmpty()) {
      return "<unknown>";
    }
    return of(Duration.between(Instant.parse(timestamp), now));
  }

  static String of(Duration d) {
    long seconds = d.getSeconds(); // truncated towards zero below, as Go's int(d.Seconds()) does
    if (d.isNegative() && d.getNano() > 0) {
      seconds += 1;
    }
    // Up to two seconds in the future count as now: clocks of client and server differ a little.
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = seconds / 3600;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = hours / 24 % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
