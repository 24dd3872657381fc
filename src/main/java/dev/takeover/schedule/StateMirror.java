package dev.takeover.schedule;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * On a follower: the leader's schedule as the state topic records it, so that a ticket's state can be asked of any
 * replica (a Service spreads the API, Slack and Alertmanager over all of them). It answers {@value
 * SchedulerVerticle#STATUS} as the leader's scheduler does, from the last record of each ticket: the leader writes
 * one, and awaits the broker's ack, before every answer, start and step it tells, so the mirror is behind by a
 * consumer's fetch, never by a decision.
 *
 * <p>Until the topic is read to its end, it answers {@link SchedulerVerticle#NOT_LEADER} with who leads: a state
 * half read would say "no such ticket" for one the leader knows.
 */
public final class StateMirror extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StateMirror.class);

  private static final java.time.Duration AGAIN = java.time.Duration.ofSeconds(5);

  private final DaemonConfig config;
  private final Supplier<String> notLeader;
  private final Map<String, JsonObject> tickets = new HashMap<>();
  private StateReader reader;
  private MessageConsumer<JsonObject> answers;
  private volatile boolean stopped;

  /** {@code notLeader}: the answer while the mirror is not caught up ("this replica is not the leader; a is"). */
  public StateMirror(DaemonConfig config, Supplier<String> notLeader) {
    this.config = config;
    this.notLeader = notLeader;
  }

  @Override
  public Future<?> start() {
    answers = vertx.eventBus().consumer(SchedulerVerticle.STATUS, this::status);
    readFromTheStart();
    // Not awaiting the read: a large topic, or a broker away, must not hold up the follower's other parts (nor its
    // taking the lead); until it is read, the answer is "ask the leader".
    return answers.completion();
  }

  private void readFromTheStart() {
    tickets.clear();
    StateReader r = new StateReader(vertx, config, (id, value) -> StateStore.put(tickets, id, value));
    reader = r;
    r.read(true).onSuccess(v -> LOG.info("state topic read: {} tickets known on this follower", tickets.size()))
        .onFailure(e -> {
          if (stopped || reader != r) {
            return;
          }
          LOG.warn("the state topic could not be read ({}); again in {} s", e.toString(), AGAIN.toSeconds());
          r.close().onComplete(ar -> vertx.setTimer(AGAIN.toMillis(), t -> {
            if (!stopped) {
              readFromTheStart();
            }
          }));
        });
  }

  private void status(Message<JsonObject> msg) {
    if (!reader.caughtUp()) {
      msg.fail(SchedulerVerticle.NOT_LEADER, notLeader.get());
      return;
    }
    msg.reply(tickets.get(msg.body().getString("ticket")));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    Future<Void> unregistered = answers == null ? Future.succeededFuture() : answers.unregister();
    return unregistered.transform(ar -> reader == null ? Future.succeededFuture() : reader.close());
  }
}
