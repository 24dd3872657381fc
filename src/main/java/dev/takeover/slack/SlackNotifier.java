package dev.takeover.slack;

import dev.takeover.daemon.TriggerConfig;
import dev.takeover.logs.RunKeys;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Tells Slack how tickets go: a subscriber of the ticket events ({@link TicketEvent#ADDRESS}) that posts, in Block
 * Kit, the progress (waiting, joined, started) and the end (completed with each pod moved, failed, cancelled,
 * expired, refused) of
 * <ul>
 *   <li>a Slack command's ticket to the command's {@code response_url}, registered by {@link SlackCommands} in this
 *   process (Slack takes at most 5 posts to it within 30 minutes: the command's late answer, if any, and the
 *   progress stop after {@value #PROGRESS_POSTS} together, so the end always has its post);</li>
 *   <li>every ticket's run to the channel of {@code slack.webhookUrl}, when set.</li>
 * </ul>
 * Posts of one ticket to one place go out in order, each retried by {@link SlackPoster}. Each post's result is
 * published on {@value #NOTIFICATIONS} as {@code {"channel": "slack-response-url"|"slack-webhook", "result":
 * "sent"|"failed"}} for the metrics. A notification that fails is logged (without its URL) and that is all: the
 * notifier is a verticle of its own and holds nothing a run waits for.
 */
public final class SlackNotifier extends VerticleBase {
  public static final String NOTIFICATIONS = "takeover.notifications";
  /**
   * Local only: {@code {"ticket", "message", "url"?}}: post to the ticket's response_url (or to {@code url}) now, as a
   * command's late answer or a recovery click's answer.
   */
  static final String LATE_ANSWER = "takeover.slack.late-answer";
  static final String RESPONSE_URL = "slack-response-url";
  static final String WEBHOOK = "slack-webhook";
  /** Slack takes 5 posts to a response_url; the 5th is kept for the end (a late answer counts as progress). */
  static final int PROGRESS_POSTS = 4;
  private static final Logger LOG = LoggerFactory.getLogger(SlackNotifier.class);

  private final TriggerConfig.Slack config;
  private final Clock clock;
  private SlackPoster poster;
  private ResponseUrls urls;
  /** The last post of each ticket to each place: the next one goes after it. */
  private final Map<String, Future<Void>> queues = new HashMap<>();
  private final Map<String, Integer> posted = new HashMap<>();
  private long sweeper = -1;

  public SlackNotifier(TriggerConfig.Slack config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    poster = new SlackPoster(vertx);
    urls = new ResponseUrls(vertx);
    sweeper = vertx.setPeriodic(60_000, t -> urls.sweep(clock.instant()));
    if (!config.webhookUrl().isEmpty()) {
      // The channel hears nodes that went down and came back, taints removed and the partition guard; without a
      // webhook there is nobody to tell.
      vertx.eventBus().<JsonObject>consumer(dev.takeover.cluster.DeadNodeWatch.ADDRESS, this::onNodeEvent);
    }
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(TicketEvent.ADDRESS, this::onEvent).completion(),
        vertx.eventBus().<JsonObject>localConsumer(LATE_ANSWER, this::onLateAnswer).completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweeper);
    return poster.close();
  }

  private void onEvent(Message<JsonObject> m) {
    RunKeys keys = RunKeys.of(m.body());
    try (RunKeys.Scope ignored = keys.open()) {
      JsonObject event = m.body();
      JsonObject message = BlockKit.forEvent(event);
      if (message == null) {
        return;
      }
      String ticket = event.getString("ticket", "");
      String type = event.getString("type");
      boolean end = BlockKit.ENDS.contains(type);
      String url = urls.of(ticket, clock.instant());
      if (url != null) {
        int n = posted.getOrDefault(ticket, 0);
        if (end || n < PROGRESS_POSTS) {
          posted.put(ticket, n + 1);
          post(RESPONSE_URL, ticket, keys, url, message.copy().put("response_type", "ephemeral")
              .put("replace_original", false));
        }
        if (end) {
          urls.forget(ticket);
          posted.remove(ticket);
        }
      }
      // The channel hears runs; a record refused at the intake (often not even a ticket) is the DLQ's business.
      if (!config.webhookUrl().isEmpty() && !"rejected".equals(type)) {
        post(WEBHOOK, ticket, keys, config.webhookUrl(), message);
      }
    } catch (RuntimeException e) {
      keys.during(() -> LOG.warn("a ticket event could not be told to Slack: {}", e.toString()));
    }
  }

  private void onNodeEvent(Message<JsonObject> m) {
    if (dev.takeover.cluster.DeadNodeWatch.retold(m.body())) {
      return; // an earlier leader told the channel of this down period
    }
    try {
      JsonObject message = NodeMessages.forEvent(m.body());
      if (message != null) {
        // One queue per node, and one for the events about all nodes (a partition's start and end, in order).
        String node = m.body().getString("node", "");
        post(WEBHOOK, node.isEmpty() ? "all nodes" : "node " + node, RunKeys.NONE, config.webhookUrl(), message);
      }
    } catch (RuntimeException e) {
      LOG.warn("a node event could not be told to Slack: {}", e.toString());
    }
  }

  private void onLateAnswer(Message<JsonObject> m) {
    String ticket = m.body().getString("ticket", "");
    // A click's own response_url when given: a second click on the same button registered its URL for the ticket.
    String url = m.body().getString("url", urls.of(ticket, clock.instant()));
    int n = posted.getOrDefault(ticket, 0);
    // A post like the progress: counted, so that the end still has the 5th post Slack takes.
    if (url != null && n < PROGRESS_POSTS) {
      posted.put(ticket, n + 1);
      post(RESPONSE_URL, ticket, new RunKeys(ticket, null, null), url, m.body().getJsonObject("message"));
    }
  }

  /** {@code keys}: the names of the run the message is about, for the line that says it was not delivered. */
  private void post(String channel, String ticket, RunKeys keys, String url, JsonObject message) {
    String key = channel + " " + ticket;
    Future<Void> after = queues.getOrDefault(key, Future.succeededFuture());
    Future<Void> mine = after.transform(previous -> poster.post(url, message)
        .onComplete(ar -> {
          vertx.eventBus().publish(NOTIFICATIONS, new JsonObject().put("channel", channel)
              .put("result", ar.succeeded() ? "sent" : "failed"));
          if (ar.failed()) {
            keys.during(() -> LOG.warn("Slack message of ticket {} to the {} not delivered: {}", ticket,
                channel.equals(WEBHOOK) ? "channel webhook" : "command's response_url", ar.cause().getMessage()));
          }
        }));
    queues.put(key, mine);
    mine.onComplete(ar -> queues.remove(key, mine));
  }
}
