package dev.takeover.alertmanager;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.http.BearerToken;
import dev.takeover.http.Reply;
import dev.takeover.http.Request;
import dev.takeover.http.Route;
import dev.takeover.http.Routes;
import dev.takeover.intake.NodeCheck;
import dev.takeover.intake.TicketJson;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.ticket.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * {@code POST /alertmanager}: Alertmanager's webhook receiver. Each firing alert named in
 * {@code alertmanager.alertNames} becomes its own ticket (see {@link AlertTickets}), checked as the intake checks
 * a ticket and put on the tickets topic with source {@code alertmanager}; the intake and the scheduler take it from
 * there like any other. Behind the API's bearer token (Alertmanager sends it with
 * {@code http_config.authorization.credentials_file}).
 *
 * <p>Answers 200 with the tickets made and the alerts skipped (and why, an alert that cannot be read among them,
 * with code {@code schema} and the path of its field); 400 only for a body whose top level is no webhook payload
 * (Alertmanager does not send it again); 503 when Kafka, the cluster view or the scheduler cannot be asked, which
 * Alertmanager retries: a ticket already published then comes again as a duplicate, which starts nothing new.
 */
public final class AlertmanagerWebhook implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerWebhook.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(10_000);

  private final Vertx vertx;
  private final Clock clock;
  private final BearerToken token;
  private final TicketJson json;
  private final AlertTickets rules;
  private final TicketPublisher publisher;

  public AlertmanagerWebhook(Vertx vertx, DaemonConfig config, TicketPublisher publisher, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.token = new BearerToken(config.http().apiToken());
    this.json = new TicketJson(config.tickets().maxBytes());
    this.rules = new AlertTickets(config.alertmanager());
    this.publisher = publisher;
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.post("/alertmanager", this::post));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture(); // the publisher is shared with the other inputs, closed by their owner
  }

  private Future<Reply> post(Request r) {
    if (!token.configured()) {
      return Future.succeededFuture(Reply.error(503, "alertmanager-off", "the Alertmanager webhook is off: it takes "
          + "the API token, set http.apiToken (TAKEOVER_HTTP_API_TOKEN) or http.apiTokenFile"));
    }
    Reply refused = token.refuse(r.header("Authorization"));
    if (refused != null) {
      return Future.succeededFuture(refused);
    }
    AlertPayload payload;
    try {
      payload = AlertPayload.parse(r.body());
    } catch (AlertPayload.Malformed m) {
      return Future.succeededFuture(Reply.error(400, m.code, m.getMessage()));
    }
    Instant now = clock.instant();
    JsonArray made = new JsonArray();
    JsonArray skipped = new JsonArray();
    // One alert after the other: a payload is small (http.maxBodyBytes), and the answer lists them in order.
    Future<Void> chain = Future.succeededFuture();
    int unreadable = 0;
    for (AlertPayload.Item item : payload.items()) {
      if (item instanceof AlertPayload.Unreadable u) {
        unreadable++;
        chain = chain.map(v -> {
          skipped.add(unreadable(u));
          return null;
        });
      } else {
        AlertTickets.Decision d = rules.decide((AlertPayload.Alert) item);
        chain = chain.compose(v -> take(d, now, made, skipped));
      }
    }
    if (unreadable > 0) {
      // The sender hears it only in the answer, which Alertmanager does not log: the rule or template needs fixing.
      LOG.warn("Alertmanager: {} alert(s) of a notification cannot be read and were skipped (code schema); the first: "
          + "{}", unreadable, payload.items().stream().filter(AlertPayload.Unreadable.class::isInstance)
          .map(i -> ((AlertPayload.Unreadable) i).reason()).findFirst().orElse(""));
    }
    return chain.map(v -> {
      if (!made.isEmpty()) {
        LOG.info("Alertmanager: {} ticket(s) published, {} alert(s) skipped", made.size(), skipped.size());
      }
      return Reply.json(200, new JsonObject().put("tickets", made).put("skipped", skipped)
          .put("truncatedAlerts", payload.truncatedAlerts()));
    }).recover(e -> e instanceof Unavailable u
        ? Future.succeededFuture(Reply.error(503, "unavailable", u.getMessage()).withHeader("Retry-After", "5"))
        : Future.failedFuture(e));
  }

  private Future<Void> take(AlertTickets.Decision d, Instant now, JsonArray made, JsonArray skipped) {
    if (d instanceof AlertTickets.Skip s) {
      skipped.add(entry(s.alert()).put("code", s.code()).put("reason", s.reason()));
      return Future.succeededFuture();
    }
    AlertTickets.Make m = (AlertTickets.Make) d;
    byte[] body = m.ticket().toBuffer().getBytes();
    TicketJson.Result parsed = json.parse(body, null, "alertmanager", now);
    if (parsed instanceof TicketJson.Invalid invalid) {
      skipped.add(skip(m, invalid.rejection()));
      return Future.succeededFuture();
    }
    TicketJson.Valid valid = (TicketJson.Valid) parsed;
    return NodeCheck.check(vertx, valid.ticket())
        .recover(e -> Future.failedFuture(new Unavailable("the cluster view cannot check node " + m.node()
            + " yet; try again")))
        .compose(rejected -> {
          if (rejected != null) {
            skipped.add(skip(m, rejected));
            return Future.succeededFuture();
          }
          return known(m.id()).compose(entry -> {
            if (entry != null && !valid.fingerprint().equals(entry.getString("fingerprint"))) {
              // The settings changed since (another action): the alert was served already, under the old ones.
              skipped.add(skip(m, new Rejection("duplicate-conflict", "ticket " + m.id() + " of this alert is "
                  + "already known with other content (alertmanager settings changed since)")));
              return Future.succeededFuture();
            }
            return publisher.publish(m.node(), body, "alertmanager")
                .recover(e -> Future.failedFuture(new Unavailable("the ticket could not be put on Kafka; "
                    + "try again")))
                .map(v -> {
                  made.add(entry(m.alert()).put("ticket", m.id()).put("node", m.node())
                      .put("action", m.ticket().getString("action")).put("duplicate", entry != null)
                      .put("status", "/api/v1/tickets/" + m.id()));
                  return null;
                });
          });
        });
  }

  private static JsonObject skip(AlertTickets.Make m, Rejection why) {
    return entry(m.alert()).put("ticket", m.id()).put("node", m.node()).put("code", why.code())
        .put("reason", why.reason());
  }

  private static JsonObject unreadable(AlertPayload.Unreadable u) {
    JsonObject e = new JsonObject().put("alert", u.index());
    if (u.alertname() != null) {
      e.put("alertname", u.alertname());
    }
    if (u.fingerprint() != null) {
      e.put("fingerprint", u.fingerprint());
    }
    return e.put("code", "schema").put("path", u.path()).put("reason", u.reason());
  }

  private static JsonObject entry(AlertPayload.Alert a) {
    return new JsonObject().put("alert", a.index()).put("alertname", a.name()).put("fingerprint", a.fingerprint());
  }

  /** The scheduler's entry of a ticket, or null when it knows none. */
  private Future<JsonObject> known(String id) {
    return vertx.eventBus().<JsonObject>request(SchedulerVerticle.STATUS, new JsonObject().put("ticket", id), ASK)
        .<JsonObject>map(m -> m.body())
        // A follower knows no ticket: publish; the leader's intake tells a repeat from a new one.
        .recover(e -> SchedulerVerticle.notLeader(e) != null ? Future.succeededFuture(null)
            : Future.failedFuture(new Unavailable("the scheduler does not answer; try again")));
  }

  private static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
