package dev.takeover.slack;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.TriggerConfig;
import dev.takeover.http.Reply;
import dev.takeover.http.Request;
import dev.takeover.http.Route;
import dev.takeover.http.Routes;
import dev.takeover.intake.TicketPublisher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code POST /slack/commands}: Slack's slash command {@code /takeover}. In this order:
 * <ol>
 *   <li>503 when Slack is not configured (no signing secret);</li>
 *   <li>401 unless the request carries Slack's v0 signature of its raw bytes, made within 5 minutes
 *   ({@link SlackSignature}); nothing of the body is read before;</li>
 *   <li>403 unless the Slack user is on {@code slack.allowedUsers} and the channel on {@code slack.allowedChannels};</li>
 *   <li>then the text: a takeover, plan, release or cancel becomes a ticket, checked as the intake checks one and put
 *   on the tickets topic (source {@code slack}); status asks the scheduler and the cluster view; recover makes no
 *   ticket but offers a button whose click confirms the node is powered off ({@link SlackInteractions}); help and
 *   text that cannot be read get the usage.</li>
 * </ol>
 * Slack waits 3 seconds for the answer: it comes within {@link #ANSWER_WITHIN}, ephemeral (only the user sees
 * it), with the ticket id and the plan's summary when the engine gives it in time. Should Kafka be slower, the
 * answer says the ticket is on its way, and what became of it is posted to the command's {@code response_url}.
 * Slack shows nothing useful for a non-200 answer; a 401 or 403 is for the logs and curl.
 */
public final class SlackCommands implements Routes {
  /** Within Slack's 3 s, with room for the network both ways. */
  static final Duration ANSWER_WITHIN = Duration.ofMillis(2500);
  private static final Logger LOG = LoggerFactory.getLogger(SlackCommands.class);

  private final Vertx vertx;
  private final TriggerConfig.Slack config;
  private final SlackGate gate;
  private final TicketPublisher publisher;
  private final SlackTickets tickets;

  /** @param publisher shared with the other inputs, closed by their owner */
  public SlackCommands(Vertx vertx, DaemonConfig config, TicketPublisher publisher, Clock clock) {
    this.vertx = vertx;
    this.config = config.slack();
    this.gate = new SlackGate(config.slack(), clock, "/slack/commands");
    this.publisher = publisher;
    this.tickets = config.slack().configured()
        ? new SlackTickets(vertx, config.tickets().maxBytes(), publisher, new ResponseUrls(vertx), clock) : null;
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.post("/slack/commands", this::command));
  }

  private Future<Reply> command(Request r) {
    Reply refused = gate.refusal(r);
    if (refused != null) {
      return Future.succeededFuture(refused);
    }
    byte[] body = r.body().getBytes();
    SlashCommand command = SlashCommand.parse(body);
    if (!config.allowedUsers().contains(command.userId()) || !config.allowedChannels().contains(command.channelId())) {
      LOG.info("Slack user {} in channel {} may not use /takeover (slack.allowedUsers, slack.allowedChannels)",
          printable(command.userId()), printable(command.channelId()));
      return Future.succeededFuture(Reply.error(403, "forbidden",
          "this Slack user or channel may not use /takeover (slack.allowedUsers, slack.allowedChannels)"));
    }
    return withinSlacksPatience(command, tickets.answer(command));
  }

  /**
   * The answer if it comes within {@link #ANSWER_WITHIN}; else a line saying the work goes on, and the answer, when
   * it comes, to the command's response_url.
   */
  private Future<Reply> withinSlacksPatience(SlashCommand command, Future<SlackTickets.Answer> work) {
    Promise<Reply> reply = Promise.promise();
    long timer = vertx.setTimer(ANSWER_WITHIN.toMillis(), t -> reply.tryComplete(ok(BlockKit.ephemeral(
        ":hourglass: Working on it (Kafka or the cluster view is slow to answer); the result will be posted here."))));
    work.onComplete(ar -> {
      vertx.cancelTimer(timer);
      JsonObject message = ar.succeeded() ? ar.result().message()
          : BlockKit.ephemeral(":warning: The command could not be handled; the daemon's log says why.");
      if (ar.failed()) {
        LOG.warn("a Slack command failed: {}", ar.cause().toString());
      }
      if (!reply.tryComplete(ok(message)) && ar.succeeded() && ar.result().ticket() != null) {
        // Too late for the HTTP answer: the notifier posts it to the response_url registered for the ticket.
        vertx.eventBus().send(SlackNotifier.LATE_ANSWER, new JsonObject().put("ticket", ar.result().ticket())
            .put("message", message.copy().put("replace_original", false)));
      }
    });
    return reply.future();
  }

  private static Reply ok(JsonObject message) {
    return Reply.json(200, message);
  }

  /** A Slack id as logged: only what ids are made of, so that a forged body cannot forge log lines. */
  private static String printable(String id) {
    String s = id.replaceAll("[^A-Za-z0-9_.-]", "?");
    return s.isEmpty() ? "(none)" : s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }
}
