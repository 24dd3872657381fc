package dev.takeover.slack;

import dev.takeover.daemon.TriggerConfig;
import dev.takeover.http.Reply;
import dev.takeover.http.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * The first two checks of every request from Slack, in their order: 503 when Slack is not configured, then 401
 * unless the raw bytes carry Slack's v0 signature made within 5 minutes ({@link SlackSignature}); nothing of the body
 * is read before. A refusal is logged at most once a minute per route: a wrong secret is worth a line, a scanner
 * knocking all day is not.
 */
final class SlackGate {
  private static final Logger LOG = LoggerFactory.getLogger(SlackGate.class);

  private final TriggerConfig.Slack config;
  private final SlackSignature signature;
  private final String path;
  private long lastRefusalLogged;

  SlackGate(TriggerConfig.Slack config, Clock clock, String path) {
    this.config = config;
    this.signature = new SlackSignature(config.signingSecret(), clock);
    this.path = path;
  }

  /** The refusal to answer, or null when the request may be read. */
  Reply refusal(Request r) {
    if (!config.configured()) {
      return Reply.error(503, "slack-off", "Slack is not configured: set slack.signingSecret "
          + "(TAKEOVER_SLACK_SIGNING_SECRET) or slack.signingSecretFile");
    }
    String refused = signature.refuse(r.header(SlackSignature.TIMESTAMP), r.header(SlackSignature.SIGNATURE),
        r.body().getBytes());
    if (refused == null) {
      return null;
    }
    long now = System.nanoTime();
    if (now - lastRefusalLogged > 60_000_000_000L || lastRefusalLogged == 0) {
      lastRefusalLogged = now;
      LOG.info("a request to {} was refused (401; told once a minute): {}", path, refused);
    }
    return Reply.error(401, "unauthorized", refused);
  }
}
