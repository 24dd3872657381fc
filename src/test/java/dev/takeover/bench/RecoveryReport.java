package dev.takeover.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A recovery's timeline and its parts, as {@link RecoveryBenchmark} prints them. */
final class RecoveryReport {
  private static final List<String> MOMENTS = List.of("node NotReady", "taint node.kubernetes.io/unreachable:NoSchedule",
      "taint node.kubernetes.io/unreachable:NoExecute", "node.down", "ticket accepted", "ticket started",
      "plan started", "plan finished", "fence started", "fence called", "fence answered", "fence finished",
      "taint started", "taint node.kubernetes.io/out-of-service:NoExecute", "old Terminating", "old deleted",
      "new created", "new scheduled", "taint finished", "confirm started",
      "volume detached from " + RecoveryBenchmark.NODE, "volume attached to " + RecoveryBenchmark.TARGET, "new Ready", "confirm finished",
      "ticket completed");

  private RecoveryReport() {}

  static String format(RecoveryBenchmark.Settings s, boolean taint, RecoveryTimeline t, Instant stop,
                       Instant renewBefore, Instant renew) {
    StringBuilder out = new StringBuilder();
    line(out, "== path %s: deadNodes.outOfServiceTaint %s, pv1 %s; recover ticket %s", taint ? "taint" : "force",
        taint, s.volume(), t.ticket());
    line(out, "  moments, seconds after stopNode(%s) (watch: when the benchmark's watch saw it; others: the event's"
        + " time)", RecoveryBenchmark.NODE);
    Map<Instant, String> sorted = new TreeMap<>(Comparator.naturalOrder());
    sorted.put(renew, "last Lease renewal" + (renew.equals(renewBefore) ? "" : " (read before the stop: "
        + renewBefore + ")"));
    for (String m : MOMENTS) {
      Instant at = t.at(m);
      if (at != null) {
        sorted.merge(at, m, (a, b) -> a + ", " + b);
      }
    }
    sorted.forEach((at, what) -> line(out, "  %8.1f  %s", sec(stop, at), what));

    line(out, "  parts%70s", "seconds");
    part(out, "last renewal -> NotReady (node-monitor-grace 50 s)", renew, t.at("node NotReady"));
    part(out, "NotReady -> node.down (grace " + s.grace() + " + next look, <= 15 s)", t.at("node NotReady"),
        t.at("node.down"));
    part(out, "last renewal -> ticket accepted (recoverAfter " + s.recoverAfter() + ")", renew,
        t.at("ticket accepted"));
    part(out, "  of which after node.down", t.at("node.down"), t.at("ticket accepted"));
    part(out, "ticket accepted -> run started", t.at("ticket accepted"), t.at("ticket started"));
    step(out, t, "plan", "plan");
    step(out, t, "fence", "fence (hook answers after " + s.fenceDelay() + ")");
    step(out, t, "taint", taint ? "taint (out-of-service; pod GC deletes mysql-0)" : "taint (force delete, no taint)");
    part(out, "  taint started -> old mysql-0 deleted (watch)", t.at("taint started"), t.at("old deleted"));
    step(out, t, "confirm", "confirm (mysql-0 Ready on " + RecoveryBenchmark.TARGET + ")");
    part(out, "  old deleted -> new mysql-0 created (watch)", t.at("old deleted"), t.at("new created"));
    part(out, "  created -> scheduled on " + RecoveryBenchmark.TARGET + " (watch)", t.at("new created"),
        t.at("new scheduled"));
    if (t.at("volume detached from " + RecoveryBenchmark.NODE) != null) {
      part(out, "  old deleted -> volume detached from " + RecoveryBenchmark.NODE + " (watch)", t.at("old deleted"),
          t.at("volume detached from " + RecoveryBenchmark.NODE));
    }
    part(out, "  scheduled -> Ready (watch)", t.at("new scheduled"), t.at("new Ready"));
    part(out, "confirm finished -> ticket completed", t.at("confirm finished"), t.at("ticket completed"));
    part(out, "TOTAL stopNode -> mysql-0 Ready (watch)", stop, t.at("new Ready"));
    part(out, "TOTAL last renewal -> mysql-0 Ready", renew, t.at("new Ready"));
    part(out, "  of which ticket accepted -> mysql-0 Ready", t.at("ticket accepted"), t.at("new Ready"));
    production(out, s, t, stop, renew);
    return out.toString();
  }

  /**
   * grace and recoverAfter move only the moment the ticket is accepted: the later of recoverAfter after the last
   * renewal and node.down (which moves with the grace), plus the publishing lag seen in this run; the rest is the same.
   */
  private static void production(StringBuilder out, RecoveryBenchmark.Settings s, RecoveryTimeline t, Instant stop,
                                 Instant renew) {
    Instant down = t.at("node.down");
    Instant accepted = t.at("ticket accepted");
    Instant ready = t.at("new Ready");
    if (down == null || accepted == null || ready == null) {
      return;
    }
    Duration graceProd = Duration.ofMinutes(5);
    Duration recoverProd = Duration.ofMinutes(10);
    double downOff = sec(renew, down);
    double acceptedOff = sec(renew, accepted);
    double lag = acceptedOff - Math.max(s.recoverAfter().toMillis() / 1e3, downOff);
    double acceptedProd = Math.max(recoverProd.toSeconds(), downOff + graceProd.minus(s.grace()).toMillis() / 1e3)
        + lag;
    double fromRenew = acceptedProd + sec(accepted, ready);
    line(out, "  with the production defaults (grace PT5M, recoverAfter PT10M): ticket accepted %.1f s after the last"
        + " renewal, mysql-0 Ready %.1f s after it (%.1f min), %.1f s after this run's stopNode", acceptedProd,
        fromRenew, fromRenew / 60, fromRenew - sec(renew, stop));
  }

  private static void step(StringBuilder out, RecoveryTimeline t, String step, String label) {
    Long took = t.tookMs(step);
    part(out, label + (took == null ? "" : String.format(Locale.ROOT, " [tookMs %d]", took)),
        t.at(step + " started"), t.at(step + " finished"));
  }

  private static void part(StringBuilder out, String label, Instant from, Instant to) {
    line(out, "  %-66s %s", label, from == null || to == null ? "-" : String.format(Locale.ROOT, "%8.1f", sec(from, to)));
  }

  private static double sec(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1e3;
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
