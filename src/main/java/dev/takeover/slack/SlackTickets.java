package dev.takeover.slack;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.daemon.EngineVerticle;
import dev.takeover.intake.NodeCheck;
import dev.takeover.intake.TicketJson;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

import static dev.takeover.slack.BlockKit.esc;

/**
 * What a verified, allowed slash command does. A takeover, plan, release or cancel becomes a ticket of the Kafka
 * format with a fresh id ({@code slack-<random>}), requested by {@code slack:<user id>}, its reason naming the
 * user and the command; it is checked like any ticket ({@link TicketJson}, {@link NodeCheck}) and put on the
 * tickets topic ({@link TicketPublisher}, source {@code slack}), where the intake takes it like any other (a
 * recover only offers its confirmation button: {@link RecoverBlocks}; the click's ticket is checked here too). The
 * command's response_url is registered for the ticket first, so that {@link SlackNotifier} can post its story.
 * Every question asked on the way has a short timeout: the answer must reach Slack within 3 seconds.
 */
final class SlackTickets {
  private static final Duration CLUSTER_PATIENCE = Duration.ofMillis(1000);
  /** The plan's summary is a bonus of the answer: without it the ticket goes on all the same. */
  private static final Duration PLAN_PATIENCE = Duration.ofMillis(2000);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** @param ticket the ticket made, or null; @param message the ephemeral answer */
  record Answer(String ticket, JsonObject message) {
    static Answer say(String mrkdwn) {
      return new Answer(null, BlockKit.ephemeral(mrkdwn));
    }
  }

  private final Vertx vertx;
  private final TicketJson json;
  private final TicketPublisher publisher;
  private final ResponseUrls urls;
  private final Clock clock;

  SlackTickets(Vertx vertx, int maxBytes, TicketPublisher publisher, ResponseUrls urls, Clock clock) {
    this.vertx = vertx;
    this.json = new TicketJson(maxBytes);
    this.publisher = publisher;
    this.urls = urls;
    this.clock = clock;
  }

  Future<Answer> answer(SlashCommand c) {
    SlashCommand.Action a = c.action();
    if (a instanceof SlashCommand.Takeover t) {
      JsonObject ticket = ticket(c, "takeover", t.node());
      if (t.at() != null) {
        ticket.put("window", new JsonObject().put("start", t.at().toString()));
      }
      ticket.put("options", new JsonObject().put("keepCordoned", t.keepCordoned()));
      return submit(c.responseUrl(), ticket);
    }
    if (a instanceof SlashCommand.Plan p) {
      return submit(c.responseUrl(), ticket(c, "plan", p.node()));
    }
    if (a instanceof SlashCommand.Release r) {
      return submit(c.responseUrl(), ticket(c, "release", r.node()));
    }
    if (a instanceof SlashCommand.Cancel cancel) {
      // A cancel names its target's node (the tickets topic is keyed by node): the scheduler knows it.
      return entry(cancel.ticket()).compose(entry -> entry == null
          ? Future.succeededFuture(Answer.say("No ticket `" + esc(cancel.ticket()) + "` is known."))
          : submit(c.responseUrl(), ticket(c, "cancel", entry.getJsonObject("ticket", new JsonObject()).getString("node", ""))
              .put("target", cancel.ticket())),
          e -> Future.succeededFuture(Answer.say(":warning: " + (SchedulerVerticle.notLeader(e) != null
              ? esc(SchedulerVerticle.notLeader(e)) : "The scheduler does not answer; try again in a moment."))));
    }
    if (a instanceof SlashCommand.Status s) {
      return status(s.target());
    }
    if (a instanceof SlashCommand.Recover r) {
      return recoverOffer(r.node());
    }
    if (a instanceof SlashCommand.Bad bad) {
      return Future.succeededFuture(Answer.say(esc(bad.why()) + ". Try `/takeover help`."));
    }
    return Future.succeededFuture(Answer.say("*Usage*\n" + esc(String.join("\n", SlashCommand.USAGE))));
  }

  private JsonObject ticket(SlashCommand c, String action, String node) {
    String who = c.userName().isEmpty() ? c.userId() : "@" + c.userName();
    String where = c.get("channel_name").isEmpty() ? c.channelId() : "#" + c.get("channel_name");
    String reason = ("/takeover " + c.get("text").trim() + " (by " + who + " in " + where + ")");
    return new JsonObject().put("id", "slack-" + HexFormat.of().formatHex(bytes(5))).put("action", action)
        .put("node", node).put("requestedBy", cut("slack:" + c.userId(), 256)).put("reason", cut(reason, 1024));
  }

  /**
   * Checks the ticket as the intake does and puts it on the tickets topic, the response_url registered for it first;
   * also how a confirmed recovery ({@link SlackInteractions}) makes its ticket.
   */
  Future<Answer> submit(String responseUrl, JsonObject ticketJson) {
    byte[] body = ticketJson.toBuffer().getBytes();
    TicketJson.Result parsed = json.parse(body, null, "slack", clock.instant());
    if (parsed instanceof TicketJson.Invalid invalid) {
      return Future.succeededFuture(Answer.say(":no_entry: Refused (" + invalid.rejection().code() + "): "
          + esc(invalid.rejection().reason())));
    }
    Ticket t = ((TicketJson.Valid) parsed).ticket();
    // Asked at once, beside the checks and the publishing: a plan lists the node's pods, the slowest question here.
    Future<String> plan = t.kind() == Ticket.Kind.TAKEOVER || t.kind() == Ticket.Kind.PLAN ? planSummary(t.node())
        : Future.succeededFuture(null);
    return NodeCheck.check(vertx, t).timeout(CLUSTER_PATIENCE).transform(checked -> {
      if (checked.failed()) {
        return Future.succeededFuture(Answer.say(":warning: The cluster view cannot check node `" + esc(t.node())
            + "` yet; try again in a moment. Nothing was taken."));
      }
      if (checked.result() != null) {
        return Future.succeededFuture(Answer.say(":no_entry: Refused (" + checked.result().code() + "): "
            + esc(checked.result().reason())));
      }
      if (responseUrl.startsWith("https://") || responseUrl.startsWith("http://")) {
        urls.register(t.id(), responseUrl, clock.instant());
      }
      Future<Void> published = publisher.publish(t.node(), body, "slack");
      return Future.join(published, plan).transform(done -> Future.succeededFuture(published.succeeded()
          ? new Answer(t.id(), BlockKit.ephemeral(taken(t, plan.result())))
          : new Answer(t.id(), BlockKit.ephemeral(":warning: Ticket `" + t.id() + "` could not be put on Kafka; "
              + "nothing was taken, try again."))));
    });
  }

  private static String taken(Ticket t, String plan) {
    String what = switch (t.kind()) {
      case TAKEOVER -> "Takeover of `" + esc(t.node()) + "`"
          + (t.window() != null ? ", not before " + t.window().start() : "")
          + (t.options().keepCordoned() ? ", keeping it cordoned afterwards" : "");
      case PLAN -> "Plan (dry run) of `" + esc(t.node()) + "`";
      case RELEASE -> "Release of `" + esc(t.node()) + "`";
      case RECOVER -> "Recovery of `" + esc(t.node()) + "` (stated powered off)";
      default -> "Cancel of ticket `" + esc(t.target()) + "`";
    };
    return ":inbox_tray: " + what + ": ticket `" + t.id() + "`."
        + (plan == null ? "" : "\nPlan now: " + esc(plan))
        + "\nIts progress and outcome will be posted here.";
  }

  /** The one-line summary of the plan a run on the node would have now; null when the engine is slow or refuses. */
  private Future<String> planSummary(String node) {
    JsonObject options = new JsonObject().put("deleteEmptyDirData", false).put("force", false)
        .put("allowLocalVolumes", false).put("allowControlPlane", false);
    return vertx.eventBus().<JsonObject>request(EngineVerticle.PLAN, new JsonObject().put("node", node)
            .put("options", options), ask(PLAN_PATIENCE))
        .map(m -> m.body() == null ? null : m.body().getString("summary"))
        .otherwise((String) null);
  }

  /** A ticket's state as the scheduler holds it; else, for a node name, what the cluster view knows of the node. */
  private Future<Answer> status(String target) {
    return entry(target).compose(entry -> {
      if (entry != null) {
        JsonObject t = entry.getJsonObject("ticket", new JsonObject());
        String state = entry.getString("state", "?");
        StringBuilder b = new StringBuilder(":mag: Ticket `").append(esc(target)).append("` (")
            .append(esc(t.getString("action", "?"))).append(" of `").append(esc(t.getString("node", "?")))
            .append("`): ").append(esc(state));
        if (entry.getString("step") != null && !"done".equals(state)) {
          b.append(", step ").append(esc(entry.getString("step")));
        }
        if (entry.getString("outcome") != null) {
          b.append(", ").append(esc(entry.getString("outcome")));
        }
        String reason = entry.getString("reason", "");
        return Future.succeededFuture(Answer.say(b + (reason.isEmpty() ? "" : ": " + esc(reason))));
      }
      return vertx.eventBus().<JsonObject>request(ClusterWatch.NODE, target, ask(CLUSTER_PATIENCE))
          .map(m -> {
            JsonObject n = m.body();
            if (n == null) {
              return Answer.say("No ticket or node named `" + esc(target) + "` is known.");
            }
            String cordon = !n.getBoolean("cordoned", false) ? "schedulable"
                : n.getBoolean("cordonedByTakeover", false) ? "cordoned by Takeover" : "cordoned";
            String run = n.getString("takeoverRun");
            return Answer.say(":mag: Node `" + esc(target) + "`: " + (n.getBoolean("ready", false) ? "Ready" : "not Ready")
                + ", " + cordon + (run == null ? "" : ", run `" + esc(run) + "` recorded on it")
                + (n.getBoolean("controlPlane", false) ? ", control plane" : "") + ".");
          })
          .otherwise(Answer.say(":warning: The cluster view does not answer; try again in a moment."));
    }, e -> Future.succeededFuture(Answer.say(":warning: " + (SchedulerVerticle.notLeader(e) != null
              ? esc(SchedulerVerticle.notLeader(e)) : "The scheduler does not answer; try again in a moment."))));
  }

  /**
   * The offer of a recovery: no ticket yet, only the button that makes one once the user confirmed the node is off.
   * An unknown node gets no button; a cluster view that does not answer still gets it (the click checks the node).
   */
  private Future<Answer> recoverOffer(String node) {
    return vertx.eventBus().<JsonObject>request(ClusterWatch.NODE, node, ask(CLUSTER_PATIENCE))
        .map(m -> m.body() == null ? Answer.say("No node `" + esc(node) + "` is known; nothing to recover.")
            : new Answer(null, RecoverBlocks.offer(node, RecoverBlocks.state(m.body()))))
        .otherwise(new Answer(null, RecoverBlocks.offer(node, null)));
  }

  /** The scheduler's entry of a ticket, or null when it knows none. */
  private Future<JsonObject> entry(String id) {
    return vertx.eventBus().<JsonObject>request(SchedulerVerticle.STATUS, new JsonObject().put("ticket", id),
        ask(CLUSTER_PATIENCE)).map(m -> m.body());
  }

  private static DeliveryOptions ask(Duration patience) {
    return new DeliveryOptions().setSendTimeout(patience.toMillis());
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static String cut(String s, int max) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= max) {
      return s;
    }
    // Cut by characters until it fits in bytes: the schema counts characters, Kafka's limit bytes; both hold.
    String c = s;
    while (c.getBytes(StandardCharsets.UTF_8).length > max - 3) {
      c = c.substring(0, c.length() - Math.max(1, (c.length() / 10)));
    }
    return c + "…";
  }
}
