package dev.takeover.slack;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;

import java.time.Duration;
import java.time.Instant;

/**
 * The {@code response_url} of each Slack command's ticket, so that {@link SlackNotifier} can post the ticket's
 * progress where the command was typed. Held in this process's memory (a Vert.x local map, which outlives a
 * restarted notifier), never in the ticket or on Kafka: the URL is a credential for 30 minutes. With two replicas
 * the ticket may run on the other one, whose notifier does not know the URL; the channel webhook still hears it.
 */
final class ResponseUrls {
  /** Slack takes posts to a response_url for 30 minutes after the command. */
  static final Duration VALID = Duration.ofMinutes(30);
  private static final String MAP = "takeover.slack.response-urls";

  private final LocalMap<String, JsonObject> urls;

  ResponseUrls(Vertx vertx) {
    this.urls = vertx.sharedData().getLocalMap(MAP);
  }

  void register(String ticket, String url, Instant now) {
    urls.put(ticket, new JsonObject().put("url", url).put("until", now.plus(VALID).toEpochMilli()));
  }

  /** The ticket's response_url while Slack still takes posts to it; null otherwise. */
  String of(String ticket, Instant now) {
    JsonObject e = urls.get(ticket);
    if (e == null) {
      return null;
    }
    if (now.toEpochMilli() > e.getLong("until", 0L)) {
      urls.remove(ticket);
      return null;
    }
    return e.getString("url");
  }

  void forget(String ticket) {
    urls.remove(ticket);
  }

  /** Drops the URLs Slack no longer takes; a ticket that never ended does not keep its URL for ever. */
  void sweep(Instant now) {
    urls.keySet().forEach(ticket -> of(ticket, now));
  }
}
