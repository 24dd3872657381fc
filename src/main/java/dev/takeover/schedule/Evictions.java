package dev.takeover.schedule;

import dev.takeover.engine.EvictedEarlier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps, in a running ticket's entry, the StatefulSet pods its run has evicted, from the run's own events: the plan
 * says which pods the confirm step waits for (with their claims and volumes), the eviction says which of them went.
 * A daemon restarted after such an eviction resumes the run with them, since its new plan no longer sees them on
 * the node, and the run must not uncordon before they are confirmed elsewhere with their volumes.
 */
final class Evictions {
  private Evictions() {}

  /** Takes one engine event of {@code e}'s run; true when its recorded evictions changed (record it again). */
  static boolean observe(TicketEntry e, JsonObject event) {
    switch (event.getString("type", "")) {
      case "takeover.plan.ready" -> {
        Map<String, EvictedEarlier> planned = new HashMap<>();
        for (Object o : event.getJsonArray("pods", new JsonArray())) {
          JsonObject p = (JsonObject) o;
          if (p.getBoolean("confirm", false) && p.getString("uid") != null) {
            planned.put(p.getString("pod"), EvictedEarlier.of(p, e.node(), Instant.EPOCH));
          }
        }
        e.planned = planned;
        return false;
      }
      case "takeover.pod.evicted" -> {
        EvictedEarlier p = e.planned.get(event.getString("pod"));
        String uid = event.getString("uid");
        // Only the very pod the plan named (same uid), and each once.
        if (p == null || uid == null || !uid.equals(p.pod().uid())
            || e.evicted.stream().anyMatch(x -> uid.equals(x.pod().uid()))) {
          return false;
        }
        Instant at = event.getString("time") == null ? Instant.EPOCH : Instant.parse(event.getString("time"));
        e.evicted.add(new EvictedEarlier(p.pod(), p.fromNode(), p.claims(), at));
        return true;
      }
      default -> {
        return false;
      }
    }
  }

}
