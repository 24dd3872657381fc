package dev.takeover.subscribers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A ticket event in one line a person reads: the daemon's log (see {@link TicketLog}) and the demo print these, e.g.
 * {@code default/mysql-0: kube-node02 → kube-node01, pvc-mysql-0 → pv1, Ready 2.3 s after its eviction}.
 */
public final class TicketLines {
  private TicketLines() {}

  /** What an event of this type (accepted, step, pod, completed, …) with this data says. */
  public static String what(String type, JsonObject d) {
    String engine = d.getString("type", "");
    return switch (type) {
      case "accepted" -> d.getString("action", "") + " requested by " + d.getString("requestedBy", "?")
          + (d.getString("reason", "").isEmpty() ? "" : ": " + d.getString("reason"));
      case "started" -> "run " + d.getString("run", "") + (d.getBoolean("resumed", false) ? " resumed" : "")
          + (d.getBoolean("dryRun", false) ? " (dry run)" : "");
      case "step" -> switch (engine) {
        case "takeover.step.started" -> d.getString("step") + " …";
        case "takeover.step.finished" -> d.getString("step") + " done in " + ms(d.getLong("tookMs", 0L))
            + (d.getString("summary", "").isEmpty() ? "" : ": " + d.getString("summary"));
        case "takeover.plan.ready" -> "plan: " + plan(d);
        case "takeover.warning" -> "warning: " + d.getString("message", "");
        case "takeover.watch.failing" -> "watch " + d.getString("watch", "") + " failing (" + d.getString("cause", "")
            + "); listing every " + ms(d.getLong("listingEveryMs", 0L));
        case "takeover.watch.recovered" -> "watch " + d.getString("watch", "") + " works again";
        case "takeover.placement.waiting" -> d.getInteger("pending", 0) + " replacement(s) not yet placed";
        case "takeover.run.interrupted" -> "interrupted: " + d.getString("reason", "") + "; the run resumes";
        default -> engine.replace("takeover.", "");
      };
      case "pod" -> pod(engine, d);
      case "completed", "failed", "cancelled" -> d.getString("status", type)
          + (d.containsKey("tookMs") ? " in " + ms(d.getLong("tookMs", 0L)) : "")
          + (d.getString("nodeLeft", "").isEmpty() ? "" : ", node left " + d.getString("nodeLeft"))
          + (d.getString("reason", "").isEmpty() ? "" : ": " + d.getString("reason"));
      case "rejected" -> d.getString("code", "") + ": " + d.getString("reason", "");
      default -> d.getString("reason", "");
    };
  }

  private static String pod(String engine, JsonObject d) {
    String pod = d.getString("pod", "");
    return switch (engine) {
      case "takeover.pod.evicted" -> pod + " " + d.getString("how", "evicted") + " (" + d.getInteger("attempts", 1)
          + (d.getInteger("attempts", 1) == 1 ? " attempt)" : " attempts)");
      case "takeover.pod.gone" -> pod + " gone from the node after " + ms(d.getLong("tookMs", 0L));
      case "takeover.pod.eviction-blocked" -> pod + " blocked by PodDisruptionBudget " + d.getString("budget", "?")
          + ", attempt " + d.getInteger("attempt", 0) + ", again in " + ms(d.getLong("retryInMs", 0L));
      case "takeover.pod.confirmed" -> pod + ": " + d.getString("fromNode") + " → " + d.getString("toNode")
          + claims(d.getJsonArray("claims")) + ", Ready " + ms(d.getLong("timeToReadyMs", 0L)) + " after its eviction";
      default -> engine.replace("takeover.", "") + " " + pod;
    };
  }

  private static String claims(JsonArray claims) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; claims != null && i < claims.size(); i++) {
      JsonObject c = claims.getJsonObject(i);
      s.append(", ").append(c.getString("claim")).append(" → ").append(c.getString("volume"));
    }
    return s.toString();
  }

  private static String plan(JsonObject d) {
    List<String> parts = new ArrayList<>();
    JsonArray pods = d.getJsonArray("pods", new JsonArray());
    for (int i = 0; i < pods.size(); i++) {
      JsonObject p = pods.getJsonObject(i);
      parts.add(p.getString("action") + " " + p.getString("pod"));
    }
    int refusals = d.getJsonArray("refusals", new JsonArray()).size();
    return (parts.isEmpty() ? "nothing to move" : String.join(", ", parts))
        + (refusals > 0 ? "; " + refusals + " refusal(s)" : "");
  }

  private static String ms(long ms) {
    return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
