package dev.takeover.alertmanager;

import dev.takeover.alertmanager.AlertPayload.Alert;
import dev.takeover.daemon.TriggerConfig;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.takeover.alertmanager.AlertPayload.clean;
import static dev.takeover.alertmanager.AlertPayload.quote;

/**
 * Which alert becomes which ticket (the {@code alertmanager} settings), as plain Java: a firing alert named in
 * {@code alertNames} becomes a ticket of {@code action} for the node its first {@code nodeLabels} label names;
 * any other alert is skipped, with why.
 *
 * <p>A ticket's id and content depend only on what stays the same across Alertmanager's repeats of one firing (its
 * fingerprint and {@code startsAt}, its name, the node): a repeat is then the same ticket, which the scheduler
 * answers as a {@code duplicate}, even after a restart. Annotations are left out on purpose: they are templated and
 * may change between two notifications of one alert (a value in a summary), which would turn a repeat into a
 * {@code duplicate-conflict}.
 */
final class AlertTickets {
  static final String REQUESTER = "alertmanager";

  /** What becomes of one alert. */
  sealed interface Decision {
    Alert alert();
  }

  /** A ticket to publish: {@code ticket} is its JSON in the ticket format. */
  record Make(Alert alert, String id, String node, JsonObject ticket) implements Decision {}

  /** No ticket: {@code code} is stable (resolved, other-alert, no-node), {@code reason} one line. */
  record Skip(Alert alert, String code, String reason) implements Decision {}

  private final TriggerConfig.Alertmanager config;

  AlertTickets(TriggerConfig.Alertmanager config) {
    this.config = config;
  }

  Decision decide(Alert a) {
    if (!a.firing()) {
      return new Skip(a, "resolved", "the alert is resolved; a resolved alert never starts anything");
    }
    if (!config.alertNames().contains(a.name())) {
      return new Skip(a, "other-alert", config.alertNames().isEmpty()
          ? "alertmanager.alertNames is empty: no alert makes a ticket"
          : "alert " + quote(a.name()) + " is not one of alertmanager.alertNames " + new TreeSet<>(config.alertNames()));
    }
    String node = node(a.labels(), config.nodeLabels());
    if (node == null) {
      return new Skip(a, "no-node", "the alert has none of the labels alertmanager.nodeLabels " + config.nodeLabels()
          + " to name its node");
    }
    String id = ticketId(a);
    JsonObject ticket = new JsonObject().put("id", id).put("action", config.action()).put("node", node)
        .put("requestedBy", REQUESTER)
        .put("reason", "alert " + clean(a.name()) + " firing since " + a.startsAt() + " (fingerprint "
            + clean(a.fingerprint()) + ")");
    return new Make(a, id, node, ticket);
  }

  /** The value of the first of {@code nodeLabels} the alert has (not empty); {@code instance} without its port. */
  static String node(Map<String, String> labels, List<String> nodeLabels) {
    for (String label : nodeLabels) {
      String v = labels.get(label);
      if (v != null && !v.isBlank()) {
        return "instance".equals(label) ? withoutPort(v.strip()) : v.strip();
      }
    }
    return null;
  }

  /**
   * A Prometheus {@code instance} ({@code host:port}, {@code [v6]:port}) without its port: {@code 10.0.0.5:9100} →
   * {@code 10.0.0.5}, {@code kube-node02:9100} → {@code kube-node02}, {@code [::1]:9100} → {@code ::1}. A value
   * with no port, or a bare IPv6 address (several colons, no brackets), is left as it is.
   */
  static String withoutPort(String instance) {
    if (instance.startsWith("[")) {
      int close = instance.indexOf(']');
      return close > 0 ? instance.substring(1, close) : instance;
    }
    int colon = instance.indexOf(':');
    if (colon > 0 && colon == instance.lastIndexOf(':')) {
      return instance.substring(0, colon);
    }
    return instance;
  }

  /** {@code am-} and 16 hex digits of SHA-256 over the fingerprint and the start (as an instant, however written). */
  static String ticketId(Alert a) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha256.digest((a.fingerprint() + "\n" + a.startsAt()).getBytes(StandardCharsets.UTF_8));
      return "am-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
