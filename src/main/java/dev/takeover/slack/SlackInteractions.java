package dev.takeover.slack;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.TriggerConfig;
import dev.takeover.http.Reply;
import dev.takeover.http.Request;
import dev.takeover.http.Route;
import dev.takeover.http.Routes;
import dev.takeover.intake.TicketPublisher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

/**
 * {@code POST /slack/interactions}: the app's Interactivity Request URL, where Slack posts a click on a button. The
 * only button Takeover offers is the confirmation of a recovery ({@link RecoverBlocks}). The checks are those of
 * {@link SlackCommands}, in the same order:
 * <ol>
 *   <li>503 when Slack is not configured;</li>
 *   <li>401 unless the raw bytes carry Slack's v0 signature, made within 5 minutes ({@link SlackSignature});</li>
 *   <li>403 unless the user who clicked is on {@code slack.allowedUsers} and the channel on
 *   {@code slack.allowedChannels}: whoever typed the command, the click is what asks for the recovery;</li>
 *   <li>a payload that cannot be read, or an action this daemon does not offer: 200 and nothing done (Slack shows a
 *   click's error status as a vague warning to the user), one INFO line for the operator.</li>
 * </ol>
 * A confirmed click is answered 200 at once (Slack waits 3 seconds, and ignores the answer's body for block
 * actions); then the ticket ({@code recover}, {@code options.poweredOff}, its id derived from the message: see
 * {@link RecoverClick#ticketId}) is checked and put on the tickets topic as a command's is, and the message with the
 * button is replaced, through the click's response_url, by who confirmed and the ticket's id. The ticket's progress
 * and outcome follow there, as a command's do ({@link SlackNotifier}).
 */
public final class SlackInteractions implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(SlackInteractions.class);

  private final Vertx vertx;
  private final TriggerConfig.Slack config;
  private final SlackGate gate;
  private final SlackTickets tickets;
  private final SlackPoster poster;

  /** @param publisher shared with the other inputs, closed by their owner */
  public SlackInteractions(Vertx vertx, DaemonConfig config, TicketPublisher publisher, Clock clock) {
    this.vertx = vertx;
    this.config = config.slack();
    this.gate = new SlackGate(config.slack(), clock, "/slack/interactions");
    boolean on = config.slack().configured();
    this.tickets = on ? new SlackTickets(vertx, config.tickets().maxBytes(), publisher, new ResponseUrls(vertx), clock)
        : null;
    this.poster = on ? new SlackPoster(vertx) : null;
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.post("/slack/interactions", this::interaction));
  }

  @Override
  public Future<Void> close() {
    return poster == null ? Future.succeededFuture() : poster.close();
  }

  private Future<Reply> interaction(Request r) {
    Reply refused = gate.refusal(r);
    if (refused != null) {
      return Future.succeededFuture(refused);
    }
    byte[] body = r.body().getBytes();
    RecoverClick.Read read = RecoverClick.read(body);
    if (read instanceof RecoverClick.Unreadable u) {
      LOG.info("a Slack interaction was ignored: {}", u.why());
      return done();
    }
    RecoverClick click = ((RecoverClick.Clicked) read).click();
    if (!config.allowedUsers().contains(click.userId()) || !config.allowedChannels().contains(click.channelId())) {
      LOG.info("Slack user {} in channel {} may not use Takeover's buttons (slack.allowedUsers, slack.allowedChannels)",
          RecoverClick.printable(click.userId()), RecoverClick.printable(click.channelId()));
      return Future.succeededFuture(Reply.error(403, "forbidden",
          "this Slack user or channel may not use Takeover (slack.allowedUsers, slack.allowedChannels)"));
    }
    String ignored = click.ignored();
    if (ignored != null) {
      LOG.info("a Slack interaction of user {} was ignored: {}", RecoverClick.printable(click.userId()), ignored);
      return done();
    }
    // Answered first: Slack's 3 s are not spent on Kafka. What became of the click goes to its response_url.
    vertx.runOnContext(v -> recover(click));
    return done();
  }

  private void recover(RecoverClick click) {
    tickets.submit(click.responseUrl(), click.ticket())
        .otherwise(e -> {
          LOG.warn("a confirmed Slack recovery of node {} failed: {}", click.value(), e.toString());
          return SlackTickets.Answer.say(":warning: The confirmation could not be handled; nothing was taken. "
              + "The daemon's log says why; try `/takeover recover` again.");
        })
        .onSuccess(answer -> tell(click, answer));
  }

  /**
   * Replaces the message with the button. A ticket's answer goes through the notifier, which counts the posts to its
   * response_url (Slack takes 5) and keeps them in order with the ticket's progress; an answer without a ticket
   * (refused, or the cluster view did not answer) is the only post to this click's URL, and goes from here.
   */
  private void tell(RecoverClick click, SlackTickets.Answer answer) {
    String url = click.responseUrl();
    if (!url.startsWith("https://") && !url.startsWith("http://")) {
      return; // a click without a response_url: its ticket, if any, is told to the channel's webhook only
    }
    JsonObject message = RecoverBlocks.confirmed(click.who(), click.value(), answer.message());
    if (answer.ticket() != null) {
      vertx.eventBus().send(SlackNotifier.LATE_ANSWER, new JsonObject().put("ticket", answer.ticket())
          .put("message", message).put("url", url));
    } else {
      poster.post(url, message).onFailure(e -> LOG.warn(
          "the answer to a Slack recovery click was not delivered to its response_url: {}", e.getMessage()));
    }
  }

  private static Future<Reply> done() {
    return Future.succeededFuture(Reply.text(200, "text/plain; charset=utf-8", ""));
  }
}
