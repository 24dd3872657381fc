package dev.takeover.engine.events;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** How subscribers word the fields of events, so that the terminal and {@code kubectl describe node} say the same. */
public final class EventText {
  private EventText() {}

  /** "pvc-mysql-0 → pv1, data-mysql-0 → pv7"; empty for no claims. */
  public static String claims(JsonArray claims) {
    if (claims == null || claims.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < claims.size(); i++) {
      JsonObject c = claims.getJsonObject(i);
      b.append(i == 0 ? "" : ", ").append(c.getString("claim")).append(" → ")
          .append(c.getString("volume") == null ? "(unbound)" : c.getString("volume"));
    }
    return b.toString();
  }
}
