package dev.takeover.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: ISO-8601 (PT10M) or the short form (10m, 90s, 1h30m, 500ms). */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|h|m|s)");

  private Durations() {}

  public static Duration parse(String text) {
    String t = text.trim();
    if (t.toUpperCase(java.util.Locale.ROOT).startsWith("P")) {
      try {
        return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not a duration (try PT10M or 10m)");
      }
    }
    Matcher m = SHORT.matcher(t);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMillis(n);
      });
      end = m.end();
    }
    if (end == 0 || end != t.length()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (try PT10M or 10m)");
    }
    return total;
  }

  /** "1.23 s", "45 ms", "2 min 3 s". */
  public static String show(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.2f s", millis / 1000.0);
    }
    return (millis / 60_000) + " min " + (millis % 60_000) / 1000 + " s";
  }
}
