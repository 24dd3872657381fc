package dev.takeover.sim.model;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Timestamps as the API server writes them: RFC 3339, whole seconds (metav1.Time) or microseconds (MicroTime). */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  public static String now() {
    return format(Instant.now());
  }

  /** metav1.MicroTime, e.g. a Lease's renewTime: 2026-11-25T08:42:26.217098Z. */
  public static String micro(Instant instant) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
        .withZone(java.time.ZoneOffset.UTC).format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  public static Instant parse(String timestamp) {
    return timestamp == null ? null : Instant.parse(timestamp);
  }
}
