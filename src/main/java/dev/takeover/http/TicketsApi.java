package dev.takeover.http;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.EngineVerticle;
import dev.takeover.intake.NodeCheck;
import dev.takeover.intake.TicketJson;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.List;

/**
 * The ticket API, {@code /api/v1}, behind a bearer token:
 * <ul>
 *   <li>{@code POST /api/v1/tickets}: the JSON of a Kafka ticket. Checked as the intake checks it; 400 with the code
 *       and reason a dead letter would get, 409 {@code duplicate-conflict} for a known id with other content, 202
 *       with the ticket id once the ticket is on the tickets topic (the intake then takes it like any other).</li>
 *   <li>{@code GET /api/v1/tickets/{id}}: the ticket's state (as the scheduler holds it) and its recent events.</li>
 *   <li>{@code GET /api/v1/nodes/{node}/plan}: what a run on the node would do now, read only.</li>
 * </ul>
 */
public final class TicketsApi implements Routes {
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(10_000);

  private final Vertx vertx;
  private final Clock clock;
  private final TicketJson json;
  private final BearerToken token;
  private final TicketPublisher publisher;
  private final TicketHistory history;

  public TicketsApi(Vertx vertx, DaemonConfig config, TicketPublisher publisher, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.json = new TicketJson(config.tickets().maxBytes());
    this.token = new BearerToken(config.http().apiToken());
    this.publisher = publisher;
    this.history = new TicketHistory(vertx);
  }

  @Override
  public List<Route> routes() {
    return List.of(
        Route.post("/api/v1/tickets", authorized(this::post)),
        Route.get("/api/v1/tickets/{id}", authorized(this::get)),
        Route.get("/api/v1/nodes/{node}/plan", authorized(this::plan)));
  }

  @Override
  public Future<Void> close() {
    history.close();
    return Future.succeededFuture(); // the publisher is shared with the other inputs, closed by their owner
  }

  private Route.Handler authorized(Route.Handler handler) {
    return r -> {
      Reply refused = token.refuse(r.header("Authorization"));
      return refused != null ? Future.succeededFuture(refused) : handler.handle(r);
    };
  }

  private Future<Reply> post(Request r) {
    byte[] body = r.body().getBytes();
    TicketJson.Result parsed = json.parse(body, null, "http", clock.instant());
    if (parsed instanceof TicketJson.Invalid invalid) {
      return Future.succeededFuture(Reply.error(400, invalid.rejection().code(), invalid.rejection().reason()));
    }
    TicketJson.Valid valid = (TicketJson.Valid) parsed;
    Ticket t = valid.ticket();
    return NodeCheck.check(vertx, t)
        .recover(e -> Future.failedFuture(new Unavailable("the cluster view cannot check node " + t.node()
            + " yet; try again")))
        .compose(refused -> {
          if (refused != null) {
            return Future.succeededFuture(Reply.error(400, refused.code(), refused.reason()));
          }
          // On a follower nothing is known of tickets: the leader's intake tells duplicates (a conflicting one is
          // dead-lettered there instead of refused here).
          return known(t.id()).recover(e -> SchedulerVerticle.notLeader(e) != null ? Future.succeededFuture(UNKNOWN_HERE)
              : Future.failedFuture(new Unavailable("the scheduler does not answer; try again"))).compose(entry -> {
            if (entry != null && entry != UNKNOWN_HERE && !valid.fingerprint().equals(entry.getString("fingerprint"))) {
              return Future.succeededFuture(Reply.error(409, "duplicate-conflict", "ticket " + t.id()
                  + " is already known with other content; use a new id"));
            }
            return publisher.publish(t.node(), body, "http")
                .map(v -> Reply.json(202, new JsonObject().put("ticket", t.id()).put("node", t.node())
                    .put("action", t.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .put("duplicate", entry == UNKNOWN_HERE ? null : entry != null)
                    .put("status", "/api/v1/tickets/" + t.id())))
                .recover(e -> Future.failedFuture(new Unavailable("the ticket could not be put on Kafka ("
                    + HttpServerVerticle.oneLine(e) + "); nothing was taken, try again")));
          });
        })
        .recover(e -> e instanceof Unavailable u
            ? Future.succeededFuture(Reply.error(503, "unavailable", u.getMessage()).withHeader("Retry-After", "5"))
            : Future.failedFuture(e));
  }

  private Future<Reply> get(Request r) {
    String id = r.param("id");
    return known(id).map(entry -> {
      if (entry == null) {
        return Reply.error(404, "not-found", "no ticket " + id + " is known (not yet taken, or forgotten after "
            + "tickets.retention)");
      }
      return Reply.json(200, new JsonObject().put("ticket", id).put("state", entry.getString("state"))
          .put("node", entry.getJsonObject("ticket", new JsonObject()).getString("node"))
          .put("runId", entry.getString("runId")).put("step", entry.getString("step"))
          .put("outcome", entry.getString("outcome")).put("reason", entry.getString("reason"))
          .put("accepted", entry.getString("accepted")).put("updated", entry.getString("updated"))
          .put("request", entry.getJsonObject("ticket")).put("history", history.of(id)));
    }).recover(e -> Future.succeededFuture(Reply.error(503, "unavailable", SchedulerVerticle.notLeader(e) != null
        ? SchedulerVerticle.notLeader(e) : "the scheduler does not answer; try again")));
  }

  private Future<Reply> plan(Request r) {
    String node = r.param("node");
    if (!Ticket.isNodeName(node)) {
      return Future.succeededFuture(Reply.error(400, "schema", "'" + node.substring(0, Math.min(node.length(), 64))
          + "' is not a node name (an RFC 1123 subdomain: lower-case letters, digits, '-' and '.')"));
    }
    JsonObject options = new JsonObject();
    for (String flag : List.of("deleteEmptyDirData", "force", "allowLocalVolumes", "allowControlPlane")) {
      options.put(flag, "true".equals(r.query(flag)));
    }
    return vertx.eventBus().<JsonObject>request(EngineVerticle.PLAN, new JsonObject().put("node", node)
            .put("options", options), ASK)
        .map(m -> Reply.json(200, m.body()))
        .recover(e -> Future.succeededFuture(e instanceof ReplyException re && re.failureCode() == 404
            ? Reply.error(404, "unknown-node", re.getMessage())
            : Reply.error(503, "unavailable", "no plan could be made now: " + HttpServerVerticle.oneLine(e))));
  }

  /** The scheduler's entry of a ticket, or null when it knows none. */
  private Future<JsonObject> known(String id) {
    return vertx.eventBus().<JsonObject>request(SchedulerVerticle.STATUS, new JsonObject().put("ticket", id), ASK)
        .map(m -> m.body());
  }

  /** What a follower knows of a ticket: nothing (not "no such ticket"). */
  private static final JsonObject UNKNOWN_HERE = new JsonObject();

  private static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
