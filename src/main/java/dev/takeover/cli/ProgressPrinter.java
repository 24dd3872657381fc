package dev.takeover.cli;

import dev.takeover.engine.events.EventText;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Prints a run as it happens, from its events: the plan, each step with its duration, each pod, and the
 * result (old node → new node, PVC → PV). Times in brackets are seconds since the run started.
 */
public final class ProgressPrinter implements Consumer<JsonObject> {
  private final PrintStream out;
  private final Promise<Void> finished = Promise.promise();
  private Instant started;

  public ProgressPrinter(PrintStream out) {
    this.out = out;
  }

  @Override
  public void accept(JsonObject e) {
    Instant at = Instant.parse(e.getString("time"));
    switch (e.getString("type")) {
      case "takeover.run.started" -> {
        started = at;
        String what = "release".equals(e.getString("kind")) ? "Release of node " : "Takeover of node ";
        line(what + e.getString("node") + (e.getBoolean("dryRun") ? " (dry run)" : "") + " — run " + e.getString("run")
            + ", ticket " + e.getString("ticket") + " from " + e.getString("source")
            + (e.getString("requester", "").isEmpty() ? "" : " (" + e.getString("requester") + ")"));
      }
      case "takeover.plan.ready" -> plan(e);
      case "takeover.step.started" -> stamped(at, pad(e.getString("step")) + " …");
      case "takeover.step.finished" -> stamped(at, pad(e.getString("step")) + " done in "
          + Durations.show(e.getLong("tookMs")) + ": " + e.getString("summary"));
      case "takeover.pod.eviction-blocked" -> stamped(at, "  blocked  " + e.getString("pod") + ": "
          + (e.getString("budget") != null ? "PodDisruptionBudget " + e.getString("budget") + " (" + e.getString("message") + ")"
          : e.getString("message")) + "; attempt " + e.getInteger("attempt") + ", next in "
          + Durations.show(e.getLong("retryInMs")));
      case "takeover.pod.evicted" -> stamped(at, "  " + pad(e.getString("how")) + " " + e.getString("pod")
          + " (" + e.getInteger("attempts") + (e.getInteger("attempts") == 1 ? " attempt, " : " attempts, ")
          + Durations.show(e.getLong("tookMs")) + ")");
      case "takeover.pod.gone" -> stamped(at, "  gone     " + e.getString("pod") + " ("
          + Durations.show(e.getLong("tookMs")) + " after eviction)");
      case "takeover.pod.confirmed" -> stamped(at, "  ready    " + move(e));
      case "takeover.warning" -> stamped(at, "  warning  " + e.getString("message"));
      case "takeover.watch.failing" -> stamped(at, "  warning  watch of " + e.getString("watch") + " failing ("
          + e.getString("cause") + "); checking by listing every " + every(e.getLong("listingEveryMs")));
      case "takeover.placement.waiting" -> stamped(at, "  placing  " + e.getInteger("pending") + " evicted "
          + (e.getInteger("pending") == 1 ? "pod's replacement" : "pods' replacements") + " not yet scheduled elsewhere"
          + (e.getJsonArray("why").isEmpty() ? "" : ": " + e.getJsonArray("why").getString(0)
          + (e.getJsonArray("why").size() > 1 ? "; …" : "")));
      case "takeover.watch.recovered" -> stamped(at, "  note     watch of " + e.getString("watch") + " works again");
      case "takeover.run.finished" -> {
        finished(e);
        out.flush();
        finished.tryComplete();
      }
      default -> { }
    }
    out.flush();
  }

  /** Completes once the end of a run has been printed. */
  public Future<Void> finished() {
    return finished.future();
  }

  private void plan(JsonObject e) {
    JsonArray pods = e.getJsonArray("pods");
    if (pods.isEmpty()) {
      line("           no pods on the node");
    }
    for (int i = 0; i < pods.size(); i++) {
      JsonObject p = pods.getJsonObject(i);
      String owner = p.getString("ownerKind") == null ? "no controller" : p.getString("ownerKind") + " " + p.getString("ownerName");
      String detail = EventText.claims(p.getJsonArray("claims"));
      String reason = p.getString("reason", "");
      line(String.format(Locale.ROOT, "           %-7s %-45s %-28s %s", p.getString("action"), p.getString("pod"), owner,
          !detail.isEmpty() ? detail : reason));
    }
    JsonArray refusals = e.getJsonArray("refusals");
    for (int i = 0; i < refusals.size(); i++) {
      line("           REFUSED " + refusals.getJsonObject(i).getString("message"));
    }
  }

  private void finished(JsonObject e) {
    String status = e.getString("status").toUpperCase(Locale.ROOT);
    String node = e.getString("node");
    String left = switch (e.getString("nodeLeft")) {
      case "schedulable" -> node + " is schedulable";
      case "cordoned" -> node + " is cordoned";
      case "out-of-service" -> node + " is tainted out-of-service until it is Ready again";
      default -> "state of " + node + " unknown";
    };
    String reason = e.getString("reason", "");
    line(status + " in " + Durations.show(e.getLong("tookMs")) + " — " + left + (reason.isEmpty() ? "" : "\n  " + reason));
    JsonArray moves = e.getJsonArray("moves");
    for (int i = 0; i < moves.size(); i++) {
      line("  " + move(moves.getJsonObject(i)));
    }
  }

  private static String move(JsonObject m) {
    return m.getString("pod") + ": " + m.getString("fromNode") + " → " + m.getString("toNode") + ", "
        + EventText.claims(m.getJsonArray("claims")) + ", Ready " + Durations.show(m.getLong("timeToReadyMs")) + " after eviction";
  }

  private void stamped(Instant at, String text) {
    double s = started == null ? 0 : Duration.between(started, at).toMillis() / 1000.0;
    line(String.format(Locale.ROOT, "[%7.2fs] %s", s, text));
  }

  private void line(String s) {
    out.println(s);
  }

  /** "5 s" rather than "5.00 s" for a period. */
  private static String every(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : Durations.show(millis);
  }

  /** Steps and pod verbs in one column. */
  private static String pad(String word) {
    return String.format(Locale.ROOT, "%-8s", word);
  }
}
