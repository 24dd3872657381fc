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
 *
 * <p>Only a wrong top level (not JSON, no {@code alerts} array, another version) makes the body {@link Malformed},
 * answered 400. An alert that cannot be read is an {@link Unreadable} item beside the others: Alertmanager does not
 * send a notification again after a 4xx, so refusing the whole of it would lose the good alerts of the group.
 *
 * @param items the alerts in their order, each an {@link Alert} or an {@link Unreadable}
 */
record AlertPayload(List<Item> items, int truncatedAlerts) {

  /** One entry of {@code alerts}: {@code index} is its place in the list. */
  sealed interface Item {
    int index();
  }

  /** The alerts that could be read, in their order. */
  List<Alert> alerts() {
    return items.stream().filter(Alert.class::isInstance).map(Alert.class::cast).toList();
  }

  /**
   * One alert. {@code fingerprint} and {@code startsAt} together name one firing of it: Alertmanager sends the same
   * pair again on every repeat, so they are what makes its ticket id.
   */
  record Alert(int index, String status, Map<String, String> labels, String fingerprint, Instant startsAt)
      implements Item {
    String name() {
      return labels.getOrDefault("alertname", "");
    }

    boolean firing() {
      return "firing".equals(status);
    }
  }

  /**
   * An alert that cannot be read: {@code path} names its first wrong field ({@code /alerts/1/startsAt}),
   * {@code reason} says what is wrong (at most two fields); its name and fingerprint when they can be read, else null.
   */
  record Unreadable(int index, String alertname, String fingerprint, String path, String reason) implements Item {}

  /** A field that is wrong: where, and what is wrong with it. */
  private record Problem(String path, String what) {
    @Override
    public String toString() {
      return path + ": " + what;
    }
  }

  /**
   * The body is not a webhook payload (its top level is wrong): {@code code} is not-json or schema, {@code message}
   * one line with a path.
   */
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
    List<Problem> problems = new ArrayList<>();
    Object version = json.getValue("version");
    if (version != null && !"4".equals(version)) {
      problems.add(new Problem("/version", "only version \"4\" of the webhook payload is understood, not "
          + shown(version)));
    }
    Object truncated = json.getValue("truncatedAlerts");
    if (truncated != null && !(truncated instanceof Integer || truncated instanceof Long)) {
      problems.add(new Problem("/truncatedAlerts", "must be an integer, not " + shown(truncated)));
    }
    Object list = json.getValue("alerts");
    List<Item> items = new ArrayList<>();
    if (list == null) {
      problems.add(new Problem("/alerts", "is required (the list of alerts of the notification)"));
    } else if (!(list instanceof JsonArray array)) {
      problems.add(new Problem("/alerts", "must be an array, not " + shown(list)));
    } else {
      for (int i = 0; i < array.size(); i++) {
        items.add(alert(i, array.getValue(i)));
      }
    }
    if (!problems.isEmpty()) {
      throw new Malformed("schema", reason(problems));
    }
    return new AlertPayload(List.copyOf(items), truncated == null ? 0 : ((Number) truncated).intValue());
  }

  private static String reason(List<Problem> problems) {
    return String.join("; ", problems.stream().limit(2).map(Problem::toString).toList());
  }

  private static Item alert(int i, Object value) {
    String at = "/alerts/" + i;
    if (!(value instanceof JsonObject a)) {
      return new Unreadable(i, null, null, at, at + ": must be an object, not " + shown(value));
    }
    List<Problem> problems = new ArrayList<>();
    Object status = a.getValue("status");
    if (!"firing".equals(status) && !"resolved".equals(status)) {
      problems.add(new Problem(at + "/status", "must be \"firing\" or \"resolved\", not " + shown(status)));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Object l = a.getValue("labels");
    if (!(l instanceof JsonObject lo)) {
      problems.add(new Problem(at + "/labels", "must be an object of strings, not " + shown(l)));
    } else {
      for (Map.Entry<String, Object> e : lo) {
        if (e.getValue() instanceof String s) {
          labels.put(e.getKey(), s);
        } else {
          problems.add(new Problem(at + "/labels/" + clean(e.getKey()), "must be a string, not "
              + shown(e.getValue())));
        }
      }
    }
    Object fingerprint = a.getValue("fingerprint");
    if (!(fingerprint instanceof String f) || f.isBlank()) {
      problems.add(new Problem(at + "/fingerprint", "is required, a non-empty string (Alertmanager 0.19 and later "
          + "send it), not " + shown(fingerprint)));
    }
    Instant startsAt = null;
    Object starts = a.getValue("startsAt");
    if (!(starts instanceof String s)) {
      problems.add(new Problem(at + "/startsAt", "is required, an RFC 3339 date-time, not " + shown(starts)));
    } else {
      try {
        startsAt = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        problems.add(new Problem(at + "/startsAt", shown(s) + " is not an RFC 3339 date-time"));
      }
    }
    if (!problems.isEmpty()) {
      return new Unreadable(i, labels.containsKey("alertname") ? clean(labels.get("alertname")) : null,
          fingerprint instanceof String f ? clean(f) : null, problems.get(0).path(), reason(problems));
    }
    return new Alert(i, (String) status, Map.copyOf(labels), (String) fingerprint, startsAt);
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
