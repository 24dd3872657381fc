package dev.takeover.daemon;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.EvictedEarlier;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.schedule.StoredTickets;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

/**
 * The engine on a context of its own, taking runs from the scheduler over the event bus. A run's progress and
 * outcome go out on {@link EventStream}; the reply to {@value #RUN} only says the run was taken.
 *
 * <ul>
 *   <li>{@value #RUN}: {@code {"ticket": <canonical ticket>, "runId": …, "resumed": bool, "earlier": [<EvictedEarlier>…]}}</li>
 *   <li>{@value #CANCEL}: {@code {"runId": …, "why": …}}: the run stops at its next safe point</li>
 *   <li>{@value #HOLD}: {@code {"runId": …, "held": bool}}: another requester keeps the node cordoned after the run
 *   (held true, the default), or no longer does (false)</li>
 * </ul>
 */
public final class EngineVerticle extends VerticleBase {
  public static final String RUN = "takeover.engine.run";
  public static final String CANCEL = "takeover.engine.cancel";
  public static final String HOLD = "takeover.engine.hold";
  private static final Logger LOG = LoggerFactory.getLogger(EngineVerticle.class);

  private final Kube kube;
  private final EngineConfig config;
  private final Clock clock;
  private Engine engine;

  public EngineVerticle(Kube kube, EngineConfig config, Clock clock) {
    this.kube = kube;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    return Engine.start(vertx, kube, config, new EventStream(vertx), clock).onSuccess(e -> {
      engine = e;
      vertx.eventBus().<JsonObject>consumer(RUN, this::run);
      vertx.eventBus().<JsonObject>consumer(CANCEL, m -> engine.cancel(m.body().getString("runId"),
          m.body().getString("why", "cancelled")).onComplete(ar -> m.reply(ar.succeeded() && ar.result())));
      vertx.eventBus().<JsonObject>consumer(HOLD, m -> engine.hold(m.body().getString("runId"),
          m.body().getBoolean("held", true))
          .onComplete(ar -> m.reply(ar.succeeded() && ar.result())));
    });
  }

  private void run(Message<JsonObject> msg) {
    Ticket ticket;
    try {
      ticket = StoredTickets.fromJson(msg.body().getJsonObject("ticket"));
    } catch (RuntimeException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    String runId = msg.body().getString("runId");
    List<EvictedEarlier> earlier;
    try {
      earlier = EvictedEarlier.listOf(msg.body().getJsonArray("earlier"));
    } catch (RuntimeException e) {
      msg.fail(400, "earlier evictions unreadable: " + e.getMessage());
      return;
    }
    engine.submit(ticket, new Engine.RunControl(runId, msg.body().getBoolean("resumed", false), earlier))
        .onFailure(e -> LOG.error("{}: the engine broke: {}", runId, e.toString()));
    msg.reply(runId);
  }

  @Override
  public Future<?> stop() {
    if (engine != null) {
      engine.close();
    }
    return Future.succeededFuture();
  }
}
