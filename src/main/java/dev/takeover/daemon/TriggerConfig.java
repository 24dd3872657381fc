package dev.takeover.daemon;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The settings of the inputs beside Kafka (HTTP API, Slack, Alertmanager) and of the Prometheus gate: the
 * {@code http}, {@code slack}, {@code alertmanager} and {@code gate} sections of {@code config/takeover.yaml}.
 * Secrets are held here and nowhere else; every {@code toString} shows them as {@value DaemonConfig.Kafka#REDACTED}.
 */
public final class TriggerConfig {
  private TriggerConfig() {}

  static String shown(String secret) {
    return secret.isEmpty() ? "\"\"" : DaemonConfig.Kafka.REDACTED;
  }

  /**
   * @param host         the address to listen on ({@code http.host}, default 0.0.0.0)
   * @param port         ({@code http.port}, default 8080; 0 picks a free port, for tests)
   * @param maxBodyBytes largest request body taken; larger ones get 413 ({@code http.maxBodyBytes}, default 65536)
   * @param apiToken     the bearer token of {@code /api/v1} ({@code http.apiToken}, or read from
   *                     {@code http.apiTokenFile}); empty: the API answers 503, it is not configured
   */
  public record Http(String host, int port, int maxBodyBytes, String apiToken) {
    public static Http defaults() {
      return new Http("0.0.0.0", 8080, 65536, "");
    }

    @Override
    public String toString() {
      return "Http[host=" + host + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes + ", apiToken="
          + shown(apiToken) + "]";
    }
  }

  /**
   * @param signingSecret   Slack's signing secret ({@code slack.signingSecret}, or read from
   *                        {@code slack.signingSecretFile}); empty: {@code /slack/commands} answers 503
   * @param allowedUsers    Slack user ids that may use {@code /takeover} ({@code slack.allowedUsers}); empty: nobody
   * @param allowedChannels channel ids it may be used in ({@code slack.allowedChannels}); empty: none
   * @param webhookUrl      an incoming webhook of a channel that hears every run's progress and outcome
   *                        ({@code slack.webhookUrl}); empty: only the command's {@code response_url}
   */
  public record Slack(String signingSecret, Set<String> allowedUsers, Set<String> allowedChannels, String webhookUrl) {
    public Slack {
      allowedUsers = Set.copyOf(allowedUsers);
      allowedChannels = Set.copyOf(allowedChannels);
    }

    public static Slack defaults() {
      return new Slack("", Set.of(), Set.of(), "");
    }

    public boolean configured() {
      return !signingSecret.isEmpty();
    }

    @Override
    public String toString() {
      return "Slack[signingSecret=" + shown(signingSecret) + ", allowedUsers=" + allowedUsers + ", allowedChannels="
          + allowedChannels + ", webhookUrl=" + shown(webhookUrl) + "]";
    }
  }

  /**
   * One rule, as the issue's example: a firing alert named one of {@code alertNames} leads to a ticket of
   * {@code action} for the node named by the first of {@code nodeLabels} the alert has ({@code instance} with its
   * port stripped).
   *
   * @param alertNames ({@code alertmanager.alertNames}, default NodeMaintenanceRequired); empty: alerts are refused
   * @param nodeLabels ({@code alertmanager.nodeLabels}, default node,instance)
   * @param action     takeover, drain or plan ({@code alertmanager.action}, default takeover)
   */
  public record Alertmanager(Set<String> alertNames, List<String> nodeLabels, String action) {
    public Alertmanager {
      alertNames = Set.copyOf(alertNames);
      nodeLabels = List.copyOf(nodeLabels);
    }

    public static Alertmanager defaults() {
      return new Alertmanager(Set.of("NodeMaintenanceRequired"), List.of("node", "instance"), "takeover");
    }
  }

  /**
   * Kured's gate: while an alert matching {@code alerts} fires in Prometheus, no run starts.
   *
   * @param prometheusUrl ({@code gate.prometheusUrl}); empty: no gate
   * @param alerts        alert names that hold runs, a regular expression matched against the whole name
   *                      ({@code gate.alerts}, default {@code .*}: any firing alert but those of
   *                      {@code alertmanager.alertNames}, which ask for the runs)
   * @param interval      how often a held run asks again ({@code gate.interval}, default PT1M)
   */
  public record Gate(String prometheusUrl, String alerts, Duration interval) {
    public static Gate defaults() {
      return new Gate("", ".*", Duration.ofMinutes(1));
    }

    /** {@link #alerts} compiled (checked when the settings were read). */
    public Pattern alertPattern() {
      return Pattern.compile(alerts);
    }

    public boolean configured() {
      return !prometheusUrl.isEmpty();
    }

    /** The URL may carry a password (user:password@host): never shown. */
    @Override
    public String toString() {
      return "Gate[prometheusUrl=" + prometheusUrl.replaceAll("//[^/@]*@", "//" + DaemonConfig.Kafka.REDACTED + "@")
          + ", alerts=" + alerts + ", interval=" + interval + "]";
    }
  }
}
