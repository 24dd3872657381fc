package dev.takeover.alertmanager;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Alertmanager webhook body (format version 4), reduced to what Takeover reads:
 * <pre>
 * { "version": "4", "groupKey": …, "truncatedAlerts": 0, "status": "firing", "receiver": …, "groupLabels": {…},
 *   "commonLabels": {…}, "commonAnnotations": {…}, "externalURL": …,
 *   "alerts": [ { "status": "firing|resolved", "labels": {…}, "annotations": {…}, "startsAt": "&lt;rfc3339&gt;",
 *                 "endsAt": …, "generatorURL": …, "fingerprint": "1a30ba71cca2921f" } ] }
 * </pre>
 * As with tickets, fields Takeover does not read are ignored and the ones it reads must have their type; the group's
 * own {@code status} is not read, each alert says its own (a group that fires may carry resolved alerts).
 */
record AlertPayload(List<Alert> alerts, int truncatedAlerts) {

  /**
   * One alert. {@code fingerprint} and {@code startsAt} together name one firing of it: Alertmanager sends the same
   * pair again on every repeat, so they are what makes its ticket id.
   */
  record Alert(int index, String status, Map<String, String> labels, String fingerprint, Instant startsAt) {
    String name() {
      return labels.getOrDefault("alertname", "");
    }

    boolean firing() {
      return "firing".equals(status);
    }
  }

  /** The body is not a webhook payload: {@code code} is not-json or schema, {@code message} one line with a path. */
  static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;

    Malformed(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  static AlertPayload parse(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new Malformed("not-json", "the body is empty: send the webhook payload as JSON");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException | ClassCastException e) {
      throw new Malformed("not-json", "the body is not JSON");
    }
    if (!(value instanceof JsonObject json)) {
      throw new Malformed("not-json", "the body is not a JSON object");
    }
    List<String> problems = new ArrayList<>();
    Object version = json.getValue("version");
    if (version != null && !"4".equals(version)) {
      problems.add("/version: only version \"4\" of the webhook payload is understood, not " + shown(version));
    }
    Object truncated = json.getValue("truncatedAlerts");
    if (truncated != null && !(truncated instanceof Integer || truncated instanceof Long)) {
      problems.add("/truncatedAlerts: must be an integer, not " + shown(truncated));
    }
    Object list = json.getValue("alerts");
    List<Alert> alerts = new ArrayList<>();
    if (list == null) {
      problems.add("/alerts: is required (the list of alerts of the notification)");
    } else if (!(list instanceof JsonArray array)) {
      problems.add("/alerts: must be an array, not " + shown(list));
    } else {
      for (int i = 0; i < array.size(); i++) {
        Alert a = alert(i, array.getValue(i), problems);
        if (a != null) {
          alerts.add(a);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new Malformed("schema", String.join("; ", problems.subList(0, Math.min(2, problems.size()))));
    }
    return new AlertPayload(List.copyOf(alerts), truncated == null ? 0 : ((Number) truncated).intValue());
  }

  private static Alert alert(int i, Object value, List<String> problems) {
    String at = "/alerts/" + i;
    if (!(value instanceof JsonObject a)) {
      problems.add(at + ": must be an object, not " + shown(value));
      return null;
    }
    int before = problems.size();
    Object status = a.getValue("status");
    if (!"firing".equals(status) && !"resolved".equals(status)) {
      problems.add(at + "/status: must be \"firing\" or \"resolved\", not " + shown(status));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Object l = a.getValue("labels");
    if (!(l instanceof JsonObject lo)) {
      problems.add(at + "/labels: must be an object of strings, not " + shown(l));
    } else {
      for (Map.Entry<String, Object> e : lo) {
        if (e.getValue() instanceof String s) {
          labels.put(e.getKey(), s);
        } else {
          problems.add(at + "/labels/" + clean(e.getKey()) + ": must be a string, not " + shown(e.getValue()));
        }
      }
    }
    Object fingerprint = a.getValue("fingerprint");
    if (!(fingerprint instanceof String f) || f.isBlank()) {
      problems.add(at + "/fingerprint: is required, a non-empty string (Alertmanager 0.19 and later send it), not "
          + shown(fingerprint));
    }
    Instant startsAt = null;
    Object starts = a.getValue("startsAt");
    if (!(starts instanceof String s)) {
      problems.add(at + "/startsAt: is required, an RFC 3339 date-time, not " + shown(starts));
    } else {
      try {
        startsAt = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        problems.add(at + "/startsAt: " + shown(s) + " is not an RFC 3339 date-time");
      }
    }
    return problems.size() > before ? null
        : new Alert(i, (String) status, Map.copyOf(labels), (String) fingerprint, startsAt);
  }

  /** A value as a reason may show it: its JSON kind, or a string quoted, cut and without control characters. */
  static String shown(Object v) {
    if (v == null) {
      return "null (or absent)";
    }
    if (v instanceof String s) {
      return quote(s);
    }
    return v instanceof JsonObject ? "an object" : v instanceof JsonArray ? "an array"
        : v instanceof Boolean ? "a boolean" : v instanceof Number ? "a number" : "another kind of value";
  }

  static String quote(String value) {
    return "'" + clean(value) + "'";
  }

  /** At most 40 characters and no control characters: a hostile value can neither flood a reason nor break it. */
  static String clean(String value) {
    StringBuilder b = new StringBuilder();
    value.codePoints().limit(40).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    if (value.codePointCount(0, value.length()) > 40) {
      b.append('…');
    }
    return b.toString();
  }
}
